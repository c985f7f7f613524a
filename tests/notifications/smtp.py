"""A real SMTP server for tests (aiosmtpd): the outside world we cannot otherwise run."""

from __future__ import annotations

import contextlib
import email
import email.header
import logging
import socket
import threading
from collections.abc import Callable

from aiosmtpd.controller import Controller

# aiosmtpd logs every SMTP command at INFO; only problems are interesting here.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailServer:
    """Answers the first `failures` messages with 451 (try again later), then accepts; keeps
    every accepted message. `on_accept(n)` runs before the n-th acceptance is acknowledged."""

    def __init__(
        self,
        *,
        failures: int = 0,
        code: str = "451 4.3.0 Mailbox busy, try again later",
        on_accept: Callable[[int], None] | None = None,
    ) -> None:
        self.failures = failures
        self.code = code
        self.on_accept = on_accept
        self.refused = 0
        self.messages: list[email.message.Message] = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refused < self.failures:
                self.refused += 1
                return self.code
            self.messages.append(email.message_from_bytes(envelope.content))
            count = len(self.messages)
        if self.on_accept is not None:
            self.on_accept(count)
        return "250 2.0.0 OK"

    def notification_ids(self) -> list[int]:
        with self.lock:
            return [int(m["X-PSP-Notification"]) for m in self.messages]

    def subjects(self) -> list[str]:
        with self.lock:
            return [
                str(email.header.make_header(email.header.decode_header(m["Subject"])))
                for m in self.messages
            ]

    @property
    def email_url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def settings(self) -> dict:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
        }


@contextlib.contextmanager
def mail_server(**kwargs):
    server = MailServer(**kwargs)
    server.controller.start()
    try:
        yield server
    finally:
        server.controller.stop()
