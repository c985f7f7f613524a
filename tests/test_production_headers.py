"""Security headers and cookies of the production settings, read from a real gunicorn server."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    """gunicorn with DJANGO_DEBUG=False on a throwaway SQLite database."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_DEBUG="False",
        DJANGO_SECRET_KEY="test-only-" + "k" * 60,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path_factory.mktemp('prod') / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp_path_factory.mktemp("static")),
        DJANGO_SUPERUSER_PASSWORD="a-long-enough-test-password-2026",
    )
    bin_dir = Path(sys.executable).parent
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["collectstatic", "--noinput", "-v0"],
        ["createsuperuser", "--noinput", "--username", "root", "--email", "root@example.gov"],
    ):
        subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True
        )
    server = subprocess.Popen(  # noqa: S603
        [str(bin_dir / "gunicorn"), "psp.wsgi:application", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def fetch(url, data=None, **headers):
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 - loopback
    opener = urllib.request.build_opener(NoRedirect)
    try:
        return opener.open(request, timeout=10)
    except urllib.error.HTTPError as error:
        return error


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_plain_http_is_redirected_to_https(production_server):
    response = fetch(production_server + "/accounts/login/")
    assert response.status == 301
    assert response.headers["Location"].startswith("https://")


def test_pages_carry_the_security_headers(production_server):
    response = fetch(production_server + "/accounts/login/", **{"X-Forwarded-Proto": "https"})
    assert response.status == 200
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in headers["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in headers["Content-Security-Policy"]


def test_cookies_are_secure_and_http_only(production_server):
    response = fetch(production_server + "/accounts/login/", **{"X-Forwarded-Proto": "https"})
    cookies = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie"):
        cookies.load(header)
    csrf = cookies["csrftoken"]
    assert csrf["secure"]
    assert csrf["httponly"]
    assert csrf["samesite"] == "Lax"


def test_the_session_cookie_is_secure_and_http_only(production_server):
    https = {"X-Forwarded-Proto": "https"}
    login_url = production_server + "/accounts/login/"
    form = fetch(login_url, **https)
    cookies = SimpleCookie()
    for header in form.headers.get_all("Set-Cookie"):
        cookies.load(header)
    token = cookies["csrftoken"].value
    body = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": "root",
            "password": "a-long-enough-test-password-2026",
        }
    ).encode()
    response = fetch(
        login_url,
        data=body,
        Cookie=f"csrftoken={token}",
        Referer=login_url.replace("http://", "https://"),
        **https,
    )
    assert response.status == 302
    session = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie"):
        session.load(header)
    assert session["sessionid"]["secure"]
    assert session["sessionid"]["httponly"]


def test_the_wsgi_app_takes_what_it_loaded_out_of_the_garbage_collectors_view():
    import gc
    import importlib
    import sys

    sys.modules.pop("psp.wsgi", None)
    gc.unfreeze()
    try:
        importlib.import_module("psp.wsgi")
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
