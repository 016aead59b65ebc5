"""Which SMTP errors are worth retrying, and how they read in the portal."""

import smtplib

import pytest

from indicators.alerts import mail


@pytest.mark.parametrize(
    ("exc", "permanent"),
    [
        (ConnectionRefusedError(111, "Connection refused"), False),
        (TimeoutError("timed out"), False),
        (smtplib.SMTPServerDisconnected("gone"), False),
        (smtplib.SMTPConnectError(421, b"too busy"), False),
        (smtplib.SMTPDataError(451, b"try later"), False),
        (smtplib.SMTPDataError(554, b"rejected as spam"), True),
        (smtplib.SMTPSenderRefused(550, b"no such sender", "kpi@x"), True),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), False),
        (smtplib.SMTPRecipientsRefused({"a@x": (550, b"no such user")}), True),
        (smtplib.SMTPRecipientsRefused({"a@x": (450, b"mailbox busy")}), False),
    ],
)
def test_permanent_errors_are_5xx_refusals(exc, permanent):
    assert mail.is_permanent(exc) is permanent


def test_errors_read_as_sentences():
    assert mail.describe(ConnectionRefusedError(111, "x")) == "The mail server refused the connection."
    assert mail.describe(smtplib.SMTPDataError(554, b"rejected")) == "The mail server replied 554: rejected"
    assert "a@x (550)" in mail.describe(smtplib.SMTPRecipientsRefused({"a@x": (550, b"no")}))
