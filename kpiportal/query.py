"""Query parameters, read one way on every page: a bad number falls back, a bad name is refused.

- A paging or sorting number (`page`, `per_page`) is ASCII digits; anything else is the default,
  and a number out of range is brought into it: `number`.
- A choice from a fixed list (an export format, a sort) is one of the list, else the default: `choice`.
- A parameter that names a thing (an indicator, a period) is refused with a `QueryError` naming the
  parameter and saying why, which the page answers with a 400: `identifier`, `month_text`.
- Digits are ASCII only: `int()` reads `١٢` as 12 and `\\d` matches it, so neither is asked.

Text with NUL never reaches a page: `kpiportal.accounts.middleware.NulRefusedMiddleware` refuses it.
"""

import re

# At most 18 digits: an id or a count in a 64-bit column, and far below int()'s own 4,300-digit limit.
_DIGITS = re.compile(r"[0-9]{1,18}")
_SIGNED = re.compile(r"-?[0-9]{1,18}")
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


class QueryError(ValueError):
    """A query parameter the page cannot answer; `parameter` is its name, the text says why."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


def whole_number(text) -> int | None:
    """An ASCII whole number (`12`, `-3`), or None for anything else (`١٢`, `1e9`, `²`, blank)."""
    text = (text or "").strip()
    return int(text) if _SIGNED.fullmatch(text) else None


def number(text, *, default: int, low: int, high: int) -> int:
    """A paging number: the default when `text` is not a whole number, else brought into [low, high]."""
    value = whole_number(text)
    if value is None:
        return default
    return min(max(value, low), high)


def natural(text) -> int | None:
    """A whole number of at most 18 ASCII digits, zero or more (a posted id or version), else None."""
    value = whole_number(text)
    return value if value is not None and value >= 0 else None


def choice(text, choices, default=None):
    """`text` when it is one of `choices`, else the default."""
    return text if text in choices else default


def identifier(text, parameter: str, thing: str) -> int | None:
    """The id a parameter names (None when blank); `QueryError` when it is not a positive ASCII number."""
    text = (text or "").strip()
    if not text:
        return None
    if not _DIGITS.fullmatch(text) or int(text) < 1:
        raise QueryError(parameter, f"“{_shown(text)}” is not {thing}: choose one from the list")
    return int(text)


def month_text(text, parameter: str = "period") -> str | None:
    """The `YYYY-MM` text of a month parameter, stripped (None when blank); `QueryError` for any other shape.

    Whether it is a month the portal knows (12 months, years it covers) is `indicators.periods`' rule.
    """
    text = (text or "").strip()
    if not text:
        return None
    if not _MONTH.fullmatch(text):
        raise QueryError(parameter, f"“{_shown(text)}” is not a period: write it as YYYY-MM, for example 2022-11")
    return text


def _shown(text: str) -> str:
    """The text as quoted back in a message: no longer than a line."""
    return text if len(text) <= 40 else text[:40] + "…"
