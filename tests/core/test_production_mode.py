"""``SLADESK_ENV=production``: refuses weak keys and missing hosts, serves HTTPS-only, and
``check --deploy`` has nothing to say; signed links expire both ways and survive key rotation.

The settings are read once per process, so the start-up cases run ``sladesk manage`` and
gunicorn in fresh processes with the environment under test.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import zlib
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.core import signing
from django.test import override_settings

from sladesk.notify.links import read_link, sign_link
from sladesk.settings.hardening import (
    ProductionConfigError,
    proxy_ssl_header,
    security_settings,
    weak_key_reason,
)

SRC = Path(__file__).resolve().parents[2] / "src"
BIN = Path(sys.executable).parent
STRONG = (
    "ER2HgJ9Pl7_GP0O9KvrWsp3yGRtNG5uCnJXY_Fi7z2bfrOcLoNK3Odt-tyWy"  # 60 characters, many distinct
)
OTHER = "lfVgJchPNTbF_VG01ZEYcxOkjhpl6if8DzbKgVu9xIo9jNrXl7QrXMYAlHTu"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLADESK_", "DJANGO_", "GUNICORN"))
    }
    env.update(
        PYTHONPATH=str(SRC),
        DJANGO_SETTINGS_MODULE="sladesk.settings",
        SLADESK_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    env.update(extra)
    return env


PRODUCTION = {
    "SLADESK_ENV": "production",
    "SLADESK_SECRET_KEY": STRONG,
    "SLADESK_ALLOWED_HOSTS": "support.example.com,127.0.0.1",
    "SLADESK_SECURE_PROXY_HEADER": "X-Forwarded-Proto",
}


def _manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "sladesk"), "manage", *args],
        env=_env(tmp_path, **env), capture_output=True, text=True, timeout=120,
    )  # fmt: skip


# ---------------------------------------------------------------- the rules themselves


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "not set"),
        ("dev-only-insecure-sladesk-key-change-me-in-production", "development key"),
        ("django-insecure-" + STRONG, "development key"),
        ("short-key", "at least 50"),
        ("ab" * 30, "distinct"),
    ],
)
def test_weak_keys_are_named_with_the_reason(key: str, reason: str) -> None:
    # given / when / then: each weak key is refused with a reason naming what is wrong
    assert reason in (weak_key_reason(key) or "")
    with pytest.raises(ProductionConfigError, match="SLADESK_SECRET_KEY"):
        security_settings({**PRODUCTION, "SLADESK_SECRET_KEY": key}, production=True)


def test_production_needs_hosts_refuses_debug_and_weak_fallbacks() -> None:
    # given a strong key, then each missing or unsafe setting in turn: the error names it
    with pytest.raises(ProductionConfigError, match="SLADESK_ALLOWED_HOSTS"):
        security_settings({**PRODUCTION, "SLADESK_ALLOWED_HOSTS": " , "}, production=True)
    with pytest.raises(ProductionConfigError, match="SLADESK_DEBUG"):
        security_settings({**PRODUCTION, "SLADESK_DEBUG": "1"}, production=True)
    with pytest.raises(ProductionConfigError, match="SLADESK_SECRET_KEY_FALLBACKS: key 2"):
        security_settings(
            {**PRODUCTION, "SLADESK_SECRET_KEY_FALLBACKS": f"{OTHER},weak"}, production=True
        )


def test_production_turns_on_secure_cookies_hsts_and_the_redirect() -> None:
    # when production mode reads a complete environment
    s = security_settings({**PRODUCTION, "SLADESK_SECRET_KEY_FALLBACKS": OTHER}, production=True)
    # then cookies are Secure, HSTS lasts a year, plain HTTP is redirected, the proxy is trusted
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["SECURE_HSTS_SECONDS"] == 31536000 and s["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert s["SECURE_SSL_REDIRECT"]
    assert s["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert s["SECRET_KEY_FALLBACKS"] == [OTHER]
    assert s["ALLOWED_HOSTS"] == ["support.example.com", "127.0.0.1"]
    # and development keeps plain HTTP unless a variable turns one piece on
    dev = security_settings({}, production=False)
    assert not dev["SESSION_COOKIE_SECURE"] and dev["SECURE_HSTS_SECONDS"] == 0
    assert security_settings({"SLADESK_SECURE_COOKIES": "1"}, production=False)[
        "SESSION_COOKIE_SECURE"
    ]


@pytest.mark.parametrize(
    ("raw", "header"),
    [
        ("X-Forwarded-Proto", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("X-Forwarded-Ssl=on", ("HTTP_X_FORWARDED_SSL", "on")),
        ("", None),
    ],
)
def test_the_proxy_header_setting_is_parsed(raw: str, header: tuple[str, str] | None) -> None:
    assert proxy_ssl_header(raw) == header


# ---------------------------------------------------------------- real processes


def test_check_deploy_is_clean_in_production_mode(tmp_path: Path) -> None:
    # given production mode with a strong key, hosts and the proxy header
    # when Django's deployment checks run with warnings counted as failures
    out = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    # then there is nothing to report
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_check_deploy_flags_the_development_settings(tmp_path: Path) -> None:
    # given the development defaults (the test can fail: the checks do see something)
    out = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    # then the development key and the missing HTTPS settings are flagged
    assert out.returncode != 0
    assert "sladesk.E001" in out.stderr and "security.W004" in out.stderr


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SLADESK_SECRET_KEY": ""}, "SLADESK_SECRET_KEY"),
        ({"SLADESK_SECRET_KEY": "change-me"}, "SLADESK_SECRET_KEY"),
        ({"SLADESK_ALLOWED_HOSTS": ""}, "SLADESK_ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_naming_the_setting(
    tmp_path: Path, env: dict[str, str], named: str
) -> None:
    # when any command starts in production mode with the setting missing or weak
    out = _manage(tmp_path, "check", **{**PRODUCTION, **env})
    # then it stops before doing anything and says which variable to set
    assert out.returncode != 0
    assert named in out.stderr and "ImproperlyConfigured" in out.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _gunicorn(tmp_path: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "python:sladesk.gunicorn_conf", "sladesk.wsgi",
         "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=_env(tmp_path, **env), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def test_gunicorn_refuses_to_serve_without_a_key(tmp_path: Path) -> None:
    # given the documented gunicorn command in production mode without SLADESK_SECRET_KEY
    proc = _gunicorn(tmp_path, _free_port(), {**PRODUCTION, "SLADESK_SECRET_KEY": ""})
    # then it exits instead of serving, and its log names the variable
    assert proc.wait(timeout=60) != 0
    assert "SLADESK_SECRET_KEY" in (tmp_path / "gunicorn.log").read_text()


def test_gunicorn_in_production_redirects_http_and_sends_hsts(tmp_path: Path) -> None:
    # given gunicorn in production mode behind a proxy that sets X-Forwarded-Proto
    subprocess.run(
        [str(BIN / "sladesk"), "manage", "migrate", "-v0"],
        env=_env(tmp_path, **PRODUCTION),
        check=True,
        timeout=300,
    )
    port = _free_port()
    proc = _gunicorn(tmp_path, port, PRODUCTION)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                plain = httpx.get(f"{base}/accounts/login/", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        tls = httpx.get(
            f"{base}/accounts/login/", headers={"X-Forwarded-Proto": "https"}, timeout=5
        )
        probe = httpx.get(f"{base}/health/", timeout=5)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # then plain HTTP is sent to HTTPS, except the health probe
    assert plain.status_code == 301 and plain.headers["location"].startswith("https://")
    assert probe.status_code != 301
    # and over HTTPS the page has HSTS and a Secure CSRF cookie
    assert tls.status_code == 200
    assert tls.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert "secure" in tls.headers["set-cookie"].lower()


# ---------------------------------------------------------------- signed links


def _payload(token: str) -> dict[str, object]:
    body = token.split(":")[0]
    compressed = body.startswith(".")
    raw = base64.urlsafe_b64decode(body.lstrip(".") + "=" * (-len(body.lstrip(".")) % 4))
    return dict(json.loads(zlib.decompress(raw) if compressed else raw))


def test_a_link_is_valid_for_its_age_and_refused_before_and_after() -> None:
    # given a link issued now
    now = time.time()
    token = sign_link({"page": 7}, salt="t", now=now)
    week = timedelta(days=7)
    # then it reads back within its age, and not after it
    assert read_link(token, salt="t", max_age=week, now=now + 3600) == {"page": 7}
    assert read_link(token, salt="t", max_age=week, now=now + week.total_seconds() + 1) is None
    # and a link dated in the future (year 2100), though correctly signed, is refused
    future = sign_link({"page": 7}, salt="t", now=4102444800)
    assert read_link(future, salt="t", max_age=week, now=now) is None
    # and one with another salt or a changed byte is refused
    assert read_link(token, salt="other", max_age=week, now=now) is None
    assert (
        read_link(
            token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1],
            salt="t",
            max_age=week,
            now=now,
        )
        is None
    )


def test_a_link_signed_before_key_rotation_still_reads_while_the_old_key_is_a_fallback() -> None:
    # given a link signed with the old key
    with override_settings(SECRET_KEY=STRONG, SECRET_KEY_FALLBACKS=[]):
        token = sign_link({"page": 3}, salt="t")
    # when the key is rotated with the old key kept as a fallback, it still reads
    with override_settings(SECRET_KEY=OTHER, SECRET_KEY_FALLBACKS=[STRONG]):
        assert read_link(token, salt="t", max_age=timedelta(days=1)) == {"page": 3}
    # and once the fallback is dropped, it does not
    with override_settings(SECRET_KEY=OTHER, SECRET_KEY_FALLBACKS=[]):
        assert read_link(token, salt="t", max_age=timedelta(days=1)) is None
    assert signing.loads(token, salt="t", key=STRONG)["page"] == 3  # sanity: it was STRONG's
