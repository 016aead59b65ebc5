"""A real SMTP server in the test process (aiosmtpd), recording every message it accepts.

Used by the worker tests and by perf/bench_alerts.py. It can refuse
connections for a while (`stop()` … `start()` on the same port) and hold the
next conversation mid-send (`hold_next()`) so that a worker can be killed
while it owns a claimed delivery. It can be slow to answer a recipient or the
end of the message (`delay_reply()`), and refuse the message with a reply
(`refuse_data()`).
"""

import asyncio
import email
import logging
import socket
import threading
import time
from email import policy

from aiosmtpd.controller import Controller

# aiosmtpd logs every command at INFO; a test or benchmark only wants its warnings.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, server: "SmtpServer"):
        self.server = server

    async def _hold(self):
        self.server.holding.set()
        # Wait (cancellably) until released; if the client dies meanwhile, aiosmtpd cancels us.
        while not self.server.release.is_set():
            await asyncio.sleep(0.02)

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        if self.server._take_hold("rcpt"):
            await self._hold()  # before any data: a client that dies here has sent nothing
        if delay := self.server.delays.get("rcpt"):
            await asyncio.sleep(delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        if self.server.data_refusal:
            return self.server.data_refusal
        # Parsed only when a test reads it: the benchmark measures the portal, not this server.
        self.server._accept(envelope.rcpt_tos, envelope.content)
        if self.server._take_hold("accepted"):
            await self._hold()  # accepted (recorded) but the client has not heard "250" yet
        if delay := self.server.delays.get("data"):
            await asyncio.sleep(delay)  # accepted (recorded, to be delivered), the "250" late
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list[tuple[list[str], bytes, float]] = []  # recipients, raw message, time accepted
        self._lock = threading.Lock()
        self._hold_next: str | bool = False
        self.holding = threading.Event()
        self.release = threading.Event()
        self.controller: Controller | None = None
        self.delays: dict[str, float] = {}
        self.data_refusal = ""

    # --- control ---

    def delay_reply(self, stage: str, seconds: float):
        """Answer late: at "rcpt", before accepting a recipient; at "data", after accepting the
        message (it is recorded, as a real server would deliver it) but before saying so."""
        self.delays[stage] = seconds

    def refuse_data(self, reply: str):
        """Refuse every message at the end of DATA with `reply` (e.g. "451 4.3.0 Try again later")."""
        self.data_refusal = reply

    def start(self):
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        """Stop listening: connections are refused until `start()`."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def hold_next(self, stage: str = "rcpt"):
        """Hold the next conversation: at "rcpt", before any recipient or data is accepted;
        at "accepted", after the message is recorded but before the client is told."""
        with self._lock:
            self._hold_next = stage
            self.holding.clear()
            self.release.clear()

    def _take_hold(self, stage: str) -> bool:
        with self._lock:
            if self._hold_next != stage:
                return False
            self._hold_next = False
            return True

    def _accept(self, recipients, message):
        with self._lock:
            self.messages.append((list(recipients), message, time.monotonic()))

    # --- reading ---

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def recipients(self) -> list[str]:
        with self._lock:
            return sorted(r for rcpts, _, _ in self.messages for r in rcpts)

    def to(self, address: str) -> list[email.message.EmailMessage]:
        """The messages sent to `address`, parsed, in the order they arrived."""
        with self._lock:
            raw = [m for rcpts, m, _ in self.messages if address in rcpts]
        return [email.message_from_bytes(m, policy=policy.default) for m in raw]

    def wait_for(self, count: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while self.count < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} emails within {timeout}s, got {self.count}")
            time.sleep(0.02)
