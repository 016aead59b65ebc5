"""Validation of a figure (PRODUCT §3): pure functions, one place for every rule.

The entry form, the Excel template upload and the figure imports all call
these and show the messages on the field or row they name. Errors stop a
save; warnings must be confirmed by the submitter.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from indicators import numbers, scoring, units

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


def errors(problems: Sequence[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_error]


def warnings(problems: Sequence[Problem]) -> list[Problem]:
    return [p for p in problems if not p.is_error]


def validate_figure(
    *,
    unit: str,
    value: Decimal | None,
    numerator: Decimal | None = None,
    denominator: Decimal | None = None,
    not_available: bool = False,
    not_available_reason: str = "",
    require_value: bool = True,
) -> list[Problem]:
    """Check one figure (whole authority or a team row) against its unit.

    `require_value=False` when the value may come from team rows instead.
    """
    if not_available:
        problems = []
        if not (not_available_reason or "").strip():
            problems.append(Problem("not_available_reason", "Give the reason the figure is not available"))
        if any(x is not None for x in (value, numerator, denominator)):
            problems.append(Problem("value", "A figure marked not available cannot also have a value"))
        return problems

    problems: list[Problem] = []
    if (numerator is None) != (denominator is None):
        missing = "denominator" if denominator is None else "numerator"
        problems.append(Problem(missing, f"Enter the {missing} too, or neither"))
    if denominator is not None and denominator <= 0:
        problems.append(Problem("denominator", "The denominator must be greater than 0"))
    if numerator is not None and numerator < 0:
        problems.append(Problem("numerator", "The numerator cannot be negative"))
    if (
        unit == units.PERCENT
        and numerator is not None
        and denominator is not None
        and denominator > 0
        and numerator > denominator
    ):
        problems.append(
            Problem("numerator", f"The numerator ({numerator}) cannot be more than the denominator ({denominator})")
        )
    if unit == units.COUNT:
        for name, part in (("numerator", numerator), ("denominator", denominator)):
            if part is not None and part != part.to_integral_value():
                problems.append(Problem(name, f"The {name} of a count must be a whole number"))

    derived = None
    if numerator is not None and denominator is not None and denominator > 0:
        derived = scoring.derive_value(unit=unit, value=None, numerator=numerator, denominator=denominator)
        if value is not None and scoring.parts_disagree(value, derived):
            problems.append(
                Problem(
                    "value",
                    f"The value {value} does not match numerator ÷ denominator ({derived.normalize():f}); "
                    "the value from numerator and denominator is used",
                    WARNING,
                )
            )
    checked = derived if derived is not None else value
    if checked is None:
        if require_value and not problems:
            problems.append(Problem("value", "Enter a value, or numerator and denominator, or mark it not available"))
        return problems
    problems.extend(validate_value_for_unit(unit, checked))
    return problems


def validate_value_for_unit(unit: str, value: Decimal) -> list[Problem]:
    """A value impossible in its unit (the ranges are the units vocabulary's, `indicators.units`)."""
    problem = units.range_problem(unit, value)
    return [Problem("value", problem)] if problem else []


def teams_total_problems(unit: str, total: scoring.Point) -> list[Problem]:
    """The whole-authority figure the team rows add up to: possible in its unit, its parts small enough to keep."""
    problems = []
    if total.value is not None:
        problems += [
            Problem("value", f"The team rows add up to {total.value.normalize():f}: {problem.message}")
            for problem in validate_value_for_unit(unit, total.value)
        ]
    for name, part in (("numerator", total.numerator), ("denominator", total.denominator)):
        if part is not None and not numbers.fits(part):
            shown = f"{part.normalize():f}"
            problems.append(Problem(name, f"The team rows' {name}s add up to {shown}: {numbers.TOO_LARGE}"))
    return problems


def validate_period(period: date, today: date) -> list[Problem]:
    """A figure cannot be for a month that has not started."""
    if (period.year, period.month) > (today.year, today.month):
        return [Problem("period", f"{period:%b-%y} is in the future")]
    return []


def commentary_problems(*, would_be_rag: str, commentary: str) -> list[Problem]:
    """Commentary is required when the figure is red."""
    if would_be_rag == scoring.RED and not (commentary or "").strip():
        return [Problem("commentary", "Explain the figure: commentary is required when it is red")]
    return []


def history_problems(value: Decimal | None, approved_history: Sequence[Decimal]) -> list[Problem]:
    """Warn when the value is more than 3 standard deviations from the last 12 approved values."""
    if scoring.is_outlier(value, approved_history):
        return [
            Problem(
                "value",
                f"{value.normalize():f} is unusually far from the last 12 approved figures "
                "(more than 3 standard deviations): check it before you confirm",
                WARNING,
            )
        ]
    return []


def breakdown_problems(
    *, unit: str, aggregation: str, whole: Decimal | None, parts: Sequence[scoring.Point]
) -> list[Problem]:
    """Warn when an entered whole and the whole derived from the team rows disagree."""
    if whole is None or not parts:
        return []
    derived = scoring.whole_from_teams(unit, aggregation, parts).value
    if scoring.parts_disagree(whole, derived):
        return [
            Problem(
                "value",
                f"The teams add up to {derived.normalize():f}, not {whole.normalize():f}: check the breakdown",
                WARNING,
            )
        ]
    return []


def validate_return(
    *,
    unit: str,
    aggregation: str,
    whole: scoring.Point,
    teams: Mapping[str, scoring.Point],
    value: Decimal | None,
    not_available: bool = False,
    not_available_reason: str = "",
    commentary: str = "",
    would_be_rag: str = scoring.GREY,
    approved_history: Sequence[Decimal] = (),
    submitting: bool = False,
    resolved_whole: scoring.Point | None = None,
) -> list[Problem]:
    """Every check of §3 on a whole return: the whole figure, the team rows and the warnings.

    `whole` and `teams` are the figures as entered (team rows keyed by their field
    prefix, blank rows left out; a rate's denominator already filled from the
    population); `value` is the resolved whole value (from its parts or from the
    teams, `returns.figures.resolve`). A draft may be incomplete: a missing value
    and missing commentary on a red figure are errors only when `submitting`.
    Warnings (outlier, breakdown) are returned in either case, to be confirmed on submission.
    `resolved_whole` is the whole as it will be stored: when it is the team rows added up, it must
    be possible in the unit and fit a stored number too.
    """
    if not_available:
        problems = validate_figure(
            unit=unit,
            value=whole.value,
            numerator=whole.numerator,
            denominator=whole.denominator,
            not_available=True,
            not_available_reason=not_available_reason,
        )
        if teams:
            problems.append(Problem("not_available", "A figure marked not available cannot have team rows: clear them"))
        return problems

    problems = validate_figure(
        unit=unit,
        value=whole.value,
        numerator=whole.numerator,
        denominator=whole.denominator,
        require_value=False,
    )
    for key, part in teams.items():
        for problem in validate_figure(
            unit=unit, value=part.value, numerator=part.numerator, denominator=part.denominator
        ):
            problems.append(Problem(f"{key}_{problem.field}", problem.message, problem.severity))

    whole_given = any(x is not None for x in (whole.value, whole.numerator, whole.denominator))
    if teams and not whole_given and resolved_whole is not None and not errors(problems):
        problems.extend(teams_total_problems(unit, resolved_whole))
    if teams and whole_given and not errors(problems):
        entered_whole = scoring.with_derived_value(unit, whole).value
        parts = [scoring.with_derived_value(unit, part) for part in teams.values()]
        problems.extend(breakdown_problems(unit=unit, aggregation=aggregation, whole=entered_whole, parts=parts))

    if submitting and value is None and not any(p.field == "value" and p.is_error for p in problems):
        if teams and not whole_given:
            message = (
                "The team rows cannot make a whole-authority figure (each needs a numerator and a denominator): "
                "enter the whole-authority figure"
            )
        else:
            message = "Enter a value, or numerator and denominator, or mark it not available"
        problems.append(Problem("value", message))
    if submitting:
        problems.extend(commentary_problems(would_be_rag=would_be_rag, commentary=commentary))
    if not errors(problems):
        problems.extend(history_problems(value, approved_history))
    return problems
