"""The performance team's reading of a wide scorecard (a `Mapping`), applied over what detection found. Pure.

A mapping names the header row and what each column holds by column letter:
a kind of `wide_headings` (`code`, `title`, `polarity`…), `month:2022-11` for
a month, `target:2022` for the 2022/23 target, or `ignored`.
"""

from indicators import periods
from indicators.imports.wide_headings import IGNORED, MONTH, TARGET, Label
from indicators.imports.wide_sheet import BlockReading, ColumnReading, Mapping
from kpiportal.sheets.table import Row, column_index, column_letter


class MappingError(ValueError):
    """A mapping that does not fit the file; the message names the column."""


def parse_kind(letter: str, heading: str, value: str) -> Label | None:
    """The label a mapping gives a column (None for `ignored`)."""
    kind, _, detail = value.partition(":")
    if kind == IGNORED:
        return None
    if kind == MONTH:
        try:
            return Label(MONTH, heading or letter, period=periods.parse_period(detail))
        except periods.PeriodError:
            raise MappingError(f"column {letter}: '{detail}' is not a month (use YYYY-MM)") from None
    if kind == TARGET and detail:
        if not detail.isascii() or not detail.isdigit():
            raise MappingError(f"column {letter}: '{detail}' is not a financial year (use its start year, e.g. 2022)")
        return Label(TARGET, heading or letter, year=int(detail))
    return Label(kind, heading or letter)


def apply_columns(labels: dict[int, Label], header: Row, mapping: Mapping | None) -> dict[int, Label]:
    """The detected labels with the mapping's columns put over them."""
    if mapping is None or not mapping.columns:
        return labels
    result = dict(labels)
    for letter, value in mapping.columns.items():
        index = column_index(letter)
        label = parse_kind(letter, header[index], value)
        if label is None:
            result.pop(index, None)
        else:
            result[index] = label
    return dict(sorted(result.items()))


def reading_of(header: Row, labels: dict[int, Label]) -> BlockReading:
    """How one header block's columns were read, for the preview."""
    return BlockReading(
        header.number,
        tuple(
            ColumnReading(c, column_letter(c), header[c] or label.text, label.kind, label.period, label.year)
            for c, label in sorted(labels.items())
        ),
    )
