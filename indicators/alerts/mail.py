"""Handing messages to the mail server: one connection per worker thread, kept open between emails.

Opening an SMTP connection (TCP, EHLO, STARTTLS, AUTH) costs more than sending
one short message, so a worker keeps its connection and checks it with NOOP
after a pause; any error closes it and the next send opens a fresh one.
"""

import smtplib
import threading
import time

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

# A connection idle longer than this is checked with NOOP before use (servers drop idle clients).
IDLE_CHECK_SECONDS = 1.0

_local = threading.local()


def _backend_key() -> tuple:
    return (
        settings.EMAIL_BACKEND,
        getattr(settings, "EMAIL_HOST", None),
        getattr(settings, "EMAIL_PORT", None),
        getattr(settings, "EMAIL_HOST_USER", None),
    )


def _close(backend) -> None:
    try:
        backend.close()
    except Exception:
        if hasattr(backend, "connection"):
            backend.connection = None


def _backend():
    key = _backend_key()
    backend = getattr(_local, "backend", None)
    if backend is None or _local.key != key:
        if backend is not None:
            _close(backend)
        backend = get_connection(fail_silently=False)
        _local.backend, _local.key, _local.used = backend, key, 0.0
    smtp = getattr(backend, "connection", None)
    if isinstance(smtp, smtplib.SMTP) and time.monotonic() - _local.used > IDLE_CHECK_SECONDS:
        try:
            alive = smtp.noop()[0] == 250
        except (smtplib.SMTPException, OSError):
            alive = False
        if not alive:
            _close(backend)
    return backend


def send(message: EmailMessage) -> None:
    """Send one message; raises the backend's error (smtplib.SMTPException, OSError) when it is not accepted."""
    backend = _backend()
    try:
        backend.open()
        sent = backend.send_messages([message])
    except Exception:
        _close(backend)
        raise
    finally:
        _local.used = time.monotonic()
    if sent == 0:
        raise smtplib.SMTPException("the mail backend sent nothing (no recipients?)")


def reset() -> None:
    """Close this thread's connection (tests and worker shutdown)."""
    backend = getattr(_local, "backend", None)
    if backend is not None:
        _close(backend)
    _local.backend = None


def is_permanent(exc: BaseException) -> bool:
    """Whether retrying cannot help: the server refused the sender, a recipient or the message (5xx).

    Connection errors, timeouts, 4xx replies and authentication failures are
    transient: a server down for maintenance or a rotated password recovers.
    """
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return False


def describe(exc: BaseException) -> str:
    """A short, readable reason for the portal's failed list."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"The mail server replied {exc.smtp_code}: {text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "The mail server refused the recipient: " + "; ".join(
            f"{who} ({code})" for who, (code, _) in exc.recipients.items()
        )
    if isinstance(exc, ConnectionRefusedError):
        return "The mail server refused the connection."
    if isinstance(exc, TimeoutError):
        return "The mail server did not answer in time."
    return f"{type(exc).__name__}: {exc}"
