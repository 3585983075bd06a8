"""Real loopback receivers for the channel tests: an HTTP server and an SMTP capture.

Both listen on 127.0.0.1 only, on ephemeral ports, in background threads, and record
exactly what arrived. Each answers from a script of replies (then a default), so a test
can say "429 with Retry-After, then 500, then 202" and check what a channel does.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

__all__ = [
    "HttpReply",
    "HttpRequest",
    "LoopbackHttpReceiver",
    "SilentTcpServer",
    "SmtpCapture",
    "SmtpMessage",
    "free_port",
    "running",
]


@dataclass(frozen=True)
class HttpReply:
    """What the receiver answers to one request; ``delay`` seconds pass before it does."""

    status: int = 200
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class HttpRequest:
    """One request as received: method, path, headers (lower-cased names), raw body, and
    the client's port (one port per TCP connection: reused connections share it)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int = 0

    def json(self) -> Any:
        return json.loads(self.body)


class LoopbackHttpReceiver:
    """A threaded HTTP server on 127.0.0.1 that answers from a script and records requests.

    ``keep_alive`` answers HTTP/1.1 and keeps connections open (as Slack and PagerDuty do);
    by default every answer closes its connection (HTTP/1.0)."""

    def __init__(
        self,
        replies: Iterable[HttpReply] = (),
        default: HttpReply | None = None,
        *,
        keep_alive: bool = False,
    ):
        self.replies: deque[HttpReply] = deque(replies)
        self.default = default or HttpReply(200, "ok")
        self.requests: list[HttpRequest] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

            def do_GET(self) -> None:  # status-page checks probe with GET
                self.do_POST("GET")

            def do_POST(self, method: str = "POST") -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append(
                        HttpRequest(
                            method,
                            self.path,
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                            self.client_address[1],
                        )
                    )
                    reply = receiver.replies.popleft() if receiver.replies else receiver.default
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.body.encode()
                with contextlib.suppress(OSError):  # the client may have timed out and gone
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> LoopbackHttpReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass(frozen=True)
class SmtpMessage:
    """One accepted message: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class _Handler:
    def __init__(self, capture: SmtpCapture) -> None:
        self.capture = capture

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = self.capture.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        if self.capture.data_replies:
            return self.capture.data_replies.popleft()
        raw = envelope.original_content or b""
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.capture.messages.append(
            SmtpMessage(str(envelope.mail_from), list(envelope.rcpt_tos), parsed)
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    """An ephemeral port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpCapture:
    """An aiosmtpd server on 127.0.0.1 that records accepted messages.

    ``data_replies`` answers DATA from a script (e.g. ``"451 4.7.1 Try later"``) before
    accepting; ``rcpt_replies`` refuses given recipients; with ``credentials`` set, AUTH
    (PLAIN/LOGIN, allowed without TLS on loopback) is required.
    """

    def __init__(
        self,
        *,
        data_replies: Iterable[str] = (),
        rcpt_replies: dict[str, str] | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.data_replies: deque[str] = deque(data_replies)
        self.rcpt_replies = rcpt_replies or {}
        self.messages: list[SmtpMessage] = []
        self.credentials = credentials
        kwargs: dict[str, Any] = {}
        if credentials:
            kwargs = {
                "authenticator": self._authenticate,
                "auth_require_tls": False,
                "auth_required": True,
            }
        self.port = free_port()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **kwargs)

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and self.credentials == (
            auth_data.login.decode(),
            auth_data.password.decode(),
        )
        return AuthResult(success=ok, handled=False)

    def start(self) -> SmtpCapture:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


class SilentTcpServer:
    """Accepts TCP connections on 127.0.0.1 and never says a word (an SMTP server that hangs)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = int(self.sock.getsockname()[1])
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self.sock.accept()
                self._held.append(conn)

    def start(self) -> SilentTcpServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.sock.close()
        for conn in self._held:
            conn.close()


@contextlib.contextmanager
def running(server: Any) -> Iterator[Any]:
    """Start ``server`` for the duration of the block."""
    server.start()
    try:
        yield server
    finally:
        server.stop()
