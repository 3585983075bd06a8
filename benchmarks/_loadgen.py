"""Load generator for ``api_load.py``: one run, in its own process, against one endpoint.

    python benchmarks/_loadgen.py SPEC.json

SPEC: ``{"host", "port", "token", "endpoint": "create"|"list", "mode": "open"|"closed",
"rate" (open: requests/s), "concurrency" (closed: requests in flight; open: the most
connections), "duration" (s), "seed", "organizations": [...]}``. Prints one JSON object:
``{"offered", "ok", "errors": {kind: count}, "latencies_ms": [...], "elapsed",
"client_cpu", "statuses": {...}, "sample_error"}``.

- **open** loop: request *i* is scheduled at ``t0 + i / rate`` whatever happened before
  (a Poisson-free, evenly spaced arrival stream) and its latency is measured from that
  scheduled instant, so a stalled server is charged for the queue it causes (no
  coordinated omission). A request waits for a free connection when ``concurrency`` are
  busy; that wait counts too.
- **closed** loop: ``concurrency`` clients each send the next request when the previous
  one answered; its latency is from send to answer. Used to find the server's capacity.

The HTTP/1.1 client is a minimal keep-alive client over asyncio streams (Content-Length
or chunked bodies; reconnects on ``Connection: close``). It costs a fraction of httpx's
CPU per request, which matters on 2 cores shared with the server and PostgreSQL.
Requests: ``create`` posts a ticket for a random contact of a random organization with a
priority of its policy; ``list`` gets ``/api/v1/tickets/?breaching_before=<now + 2..6 h>``
and, one time in five, the next page of an earlier answer (its ``next`` cursor link).
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

__all__ = ["main"]

TIMEOUT = 30.0  # seconds a request may take before it counts as an error


class HttpError(Exception):
    pass


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        try:
            self.writer.write(raw)
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            self.close()
            raise HttpError("connection closed by the server") from None
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            body = b"".join(parts)
        else:
            body = await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Workload:
    """Builds the raw requests of one endpoint."""

    def __init__(self, spec: dict) -> None:
        self.kind = spec["endpoint"]
        self.rng = random.Random(spec.get("seed", 1))
        self.orgs = spec.get("organizations", [])
        self.host = f"{spec['host']}:{spec['port']}"
        self.auth = f"Token {spec['token']}"
        self.cursors: list[str] = []
        self.n = 0

    def _raw(self, method: str, path: str, body: bytes = b"") -> bytes:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: {self.auth}\r\n"
            f"Accept: application/json\r\nContent-Length: {len(body)}\r\n"
        )
        if body:
            head += "Content-Type: application/json\r\n"
        return (head + "\r\n").encode() + body

    def next_request(self) -> tuple[bytes, bool]:
        """(raw request, whether to parse the answer's next cursor)."""
        self.n += 1
        rng = self.rng
        if self.kind == "create":
            org = rng.choice(self.orgs)
            body = {
                "subject": f"Load test ticket {self.n}: devices offline",
                "description": "Since this morning our devices stop reporting.\n\nPlease help.",
                "priority": rng.choice(org["priorities"][1:] or org["priorities"]),
                "organization": org["id"],
                "requester": rng.choice(org["emails"]),
                "custom_fields": {"devices_affected": rng.randint(1, 50)},
            }
            return self._raw("POST", "/api/v1/tickets/", json.dumps(body).encode()), False
        if self.cursors and rng.random() < 0.2:
            return self._raw("GET", self.cursors.pop(rng.randrange(len(self.cursors)))), False
        before = datetime.now(UTC) + timedelta(seconds=rng.uniform(2 * 3600, 6 * 3600))
        path = f"/api/v1/tickets/?breaching_before={before:%Y-%m-%dT%H:%M:%SZ}"
        return self._raw("GET", path), len(self.cursors) < 50 and self.n % 4 == 0

    def keep_cursor(self, body: bytes) -> None:
        nxt = json.loads(body).get("next")
        if nxt:
            parts = urlsplit(nxt)
            self.cursors.append(f"{parts.path}?{parts.query}")


async def run(spec: dict) -> dict:
    work = Workload(spec)
    ok_status = 201 if spec["endpoint"] == "create" else 200
    latencies: list[float] = []
    errors: dict[str, int] = {}
    statuses: dict[str, int] = {}
    sample_error: list[str] = []
    idle: list[Connection] = []
    limit = asyncio.Semaphore(spec["concurrency"])

    async def one(scheduled: float) -> None:
        raw, parse = work.next_request()
        async with limit:
            conn = idle.pop() if idle else Connection(spec["host"], spec["port"])
            try:
                status, body = await asyncio.wait_for(conn.request(raw), TIMEOUT)
            except (TimeoutError, HttpError, OSError) as exc:
                conn.close()
                kind = type(exc).__name__
                errors[kind] = errors.get(kind, 0) + 1
                return
            idle.append(conn)
        done = time.perf_counter()
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if status != ok_status:
            errors[f"HTTP {status}"] = errors.get(f"HTTP {status}", 0) + 1
            if not sample_error:
                sample_error.append(body[:500].decode("utf-8", "replace"))
            return
        latencies.append((done - scheduled) * 1000)
        if parse:
            work.keep_cursor(body)

    duration = spec["duration"]
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    offered = 0
    if spec["mode"] == "open":
        rate = spec["rate"]
        tasks = []
        total = max(1, round(rate * duration))
        for i in range(total):
            at = t0 + i / rate
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(at)))
            offered += 1
        await asyncio.gather(*tasks)
    else:
        end = t0 + duration

        async def client() -> None:
            nonlocal offered
            while time.perf_counter() < end:
                offered += 1
                await one(time.perf_counter())

        await asyncio.gather(*(client() for _ in range(spec["concurrency"])))
    # open loop: the run lasts at least its scheduled duration (a short tail is not a burst)
    elapsed = max(time.perf_counter() - t0, duration if spec["mode"] == "open" else 0.0)
    for conn in idle:
        conn.close()
    return {
        "offered": offered,
        "ok": len(latencies),
        "errors": errors,
        "statuses": statuses,
        "latencies_ms": latencies,
        "elapsed": elapsed,
        "client_cpu": time.process_time() - cpu0,
        "sample_error": sample_error[0] if sample_error else "",
    }


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as fh:
        spec = json.load(fh)
    # The client's own collector must not pause the arrival stream: a run is short and
    # its garbage is freed by reference counting, so collection is off while it runs.
    gc.collect()
    gc.freeze()
    gc.disable()
    result = asyncio.run(run(spec))
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
