"""Handing messages to the mail server: one connection per worker thread, kept open between emails.

Opening an SMTP connection (TCP, EHLO, STARTTLS, AUTH) costs more than sending
one short message, so a worker keeps its connection and checks it with NOOP
after a pause; any error closes it and the next send opens a fresh one.

Over SMTP the message goes in phases (MAIL, RCPT, DATA) through smtplib's
public commands on the connection Django's backend opened, rather than through
`sendmail`, which hides where it failed. A failure before DATA means the server
has nothing to deliver: the send may be tried again. A timeout or dropped
connection once DATA was sent is `DeliveryUncertain`: the server may have
accepted the message and delivered it, so it must not be sent again on its own.
"""

import smtplib
import threading
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection, make_msgid
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address

# A connection idle longer than this is checked with NOOP before use (servers drop idle clients).
IDLE_CHECK_SECONDS = 1.0

_local = threading.local()


def _backend_key() -> tuple:
    return (
        settings.EMAIL_BACKEND,
        getattr(settings, "EMAIL_HOST", None),
        getattr(settings, "EMAIL_PORT", None),
        getattr(settings, "EMAIL_HOST_USER", None),
        getattr(settings, "EMAIL_TIMEOUT", None),
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


class DeliveryUncertain(Exception):
    """The connection failed after the message was handed over (DATA sent): it may have been delivered."""


def domain() -> str:
    """The portal's host name, for Message-IDs."""
    return urlsplit(settings.SITE_URL).hostname or "kpi-portal.invalid"


def new_message_id(name: str) -> str:
    """A fresh, globally unique Message-ID naming the row (`name`, e.g. 'alert-delivery-12')."""
    return make_msgid(idstring=name, domain=domain())


def send(message: EmailMessage) -> None:
    """Send one message; raises when it is not accepted.

    `DeliveryUncertain` when the connection failed after DATA was sent; otherwise the
    backend's error (smtplib.SMTPException, OSError): nothing was handed over.
    """
    backend = _backend()
    try:
        backend.open()
        if isinstance(backend, SmtpBackend):
            _send_in_phases(backend.connection, message)
        elif backend.send_messages([message]) == 0:
            raise smtplib.SMTPException("the mail backend sent nothing (no recipients?)")
    except Exception:
        _close(backend)
        raise
    finally:
        _local.used = time.monotonic()


def _send_in_phases(smtp: smtplib.SMTP, message: EmailMessage) -> None:
    """What `smtplib.SMTP.sendmail` does, as Django's backend calls it, with DATA told apart.

    The addresses and bytes are those Django's SMTP backend would send
    (`sanitize_address`, CRLF line ends).
    """
    encoding = message.encoding or settings.DEFAULT_CHARSET
    sender = sanitize_address(message.from_email, encoding)
    recipients = [sanitize_address(address, encoding) for address in message.recipients()]
    if not recipients:
        raise smtplib.SMTPException("the message has no recipients")
    raw = message.message().as_bytes(linesep="\r\n")
    smtp.ehlo_or_helo_if_needed()
    options = [f"size={len(raw)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
    code, reply = smtp.mail(sender, options)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for recipient in recipients:
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
    if len(refused) == len(recipients):
        raise smtplib.SMTPRecipientsRefused(refused)
    try:
        code, reply = smtp.data(raw)
    except smtplib.SMTPDataError:
        raise  # the server answered DATA with a refusal: nothing was accepted
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryUncertain(_reason(exc)) from exc
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


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


def _reason(exc: BaseException) -> str:
    text = str(exc).lower()
    return (
        "it did not answer in time"
        if "timed out" in text or isinstance(exc, TimeoutError)
        else "the connection dropped"
    )


def describe(exc: BaseException) -> str:
    """A short, readable reason for the portal's failed list."""
    if isinstance(exc, DeliveryUncertain):
        return (
            f"The mail server was given the message but did not confirm it ({exc}): it may have been "
            "delivered, so it is not sent again automatically."
        )
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
