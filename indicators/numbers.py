"""How the portal reads a number typed or imported, and what a stored number can hold (PRODUCT §3, §8).

Pure: no Django, nothing of the portal. The one parser of a number's text: the entry form, the
Excel template, every import (through `indicators.catalogue.cells`) and the admin's number fields
read numbers with `parse`. A figure, a target or a tolerance is kept in a numeric(18, 6) column:
at most 12 digits before the point and six after it. A number that cannot be kept is refused here,
with a message naming it, so that nothing fails on writing. What is possible in a unit (a
percentage is at most 100) is the units vocabulary's (`indicators.units`).
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# A stored figure: numeric(18, 6). Digits after the sixth place are rounded as the database rounds them.
WHOLE_DIGITS = 12
PLACES = 6
QUANTUM = Decimal(1).scaleb(-PLACES)
LARGEST = Decimal(10) ** WHOLE_DIGITS - QUANTUM  # 999,999,999,999.999999
# A whole number kept in an integer column (a population): PostgreSQL's integer.
LARGEST_WHOLE = 2_147_483_647

# Only the digits 0-9: Python's Decimal() and int() also read other scripts' digits ('١٢' is 12).
_THOUSANDS = re.compile(r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$", re.ASCII)
_PLAIN = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$", re.ASCII)


class NumberError(ValueError):
    """Text that is not a number the portal can keep; the message is the reason."""


class NotANumber(NumberError):
    """Text that is not written as a number at all (rather than a number in other digits, or too large)."""


def parse(text: str) -> Decimal | None:
    """A number as written in a form or a scorecard: `16.9`, `2,676`, `48%`, `-3`, `£1,200`.

    Blank gives None. The percent sign is dropped (the indicator's unit says what the number
    is). A comma is only a thousands separator (`48,5` is refused rather than guessed). Only the
    digits 0-9 are read, and a number too large to keep is refused (`storage_problem`).
    """
    raw = str(text).strip()
    if not raw:
        return None
    cleaned = raw.replace("\u2212", "-").replace("£", "").replace(" ", "").replace("\u00a0", "")
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    if any(ch.isdigit() and not ("0" <= ch <= "9") for ch in cleaned):
        raise NumberError(f"'{raw}' is not a number: use the digits 0–9")
    if _THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(",", "")
    if not _PLAIN.match(cleaned):
        if "," in cleaned:
            raise NotANumber(f"'{raw}' is not a number (write decimals with a point, e.g. 48.5)")
        raise NotANumber(f"'{raw}' is not a number")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise NotANumber(f"'{raw}' is not a number") from None
    problem = storage_problem(value, raw)
    if problem:
        raise NumberError(problem)
    return value


TOO_LARGE = f"a number can have at most {WHOLE_DIGITS} digits before the decimal point"


def fits(value: Decimal) -> bool:
    """Whether `value` can be kept: at most 12 digits before the point once rounded to six places."""
    # Below 10^12 (adjusted exponent under 12) the value can be rounded to six places within Decimal's precision.
    if not value.is_finite() or (value and value.adjusted() >= WHOLE_DIGITS):
        return False
    return abs(value.quantize(QUANTUM, ROUND_HALF_UP)) <= LARGEST


def storage_problem(value: Decimal, written: str = "") -> str | None:
    """Why `value` cannot be kept, naming it as `written` (default: the value), or None."""
    if fits(value):
        return None
    return f"'{written or f'{value.normalize():f}'}' is too large: {TOO_LARGE}"


def whole_problem(value: int, written: str = "") -> str | None:
    """Why a whole number cannot be kept in an integer column (a population), or None."""
    if abs(value) <= LARGEST_WHOLE:
        return None
    return f"'{written or value}' is too large: a whole number here can be at most {LARGEST_WHOLE:,}"
