"""The scorecard feed (PRODUCT §6) as JSON or CSV: the same text for the API and `manage.py scorecard`."""

import csv
import io
import json
from datetime import date

from indicators import periods
from indicators.reports.rows import FEED_FIELDS, feed_rows
from kpiportal import query
from kpiportal.exports import inert_text

JSON = "json"
CSV = "csv"
FORMATS = (JSON, CSV)
CONTENT_TYPES = {JSON: "application/json", CSV: "text/csv; charset=utf-8"}


class FeedError(ValueError):
    """A request the feed cannot answer, with the reason for the caller."""


def parse_feed_period(text: str | None) -> date:
    """`YYYY-MM`, strictly (machines call the feed; a label like Nov-22 is refused, not guessed)."""
    try:
        text = query.month_text(text)
    except query.QueryError as exc:
        raise FeedError(exc.message) from exc
    if text is None:
        raise FeedError("Give the period as period=YYYY-MM, for example period=2022-11")
    try:
        return periods.parse_period(text)
    except periods.PeriodError as exc:
        raise FeedError(f"'{text}' is not a period: {exc}") from exc


def parse_format(text: str | None) -> str:
    fmt = (text or JSON).strip().lower()
    if fmt not in FORMATS:
        raise FeedError(f"'{fmt}' is not a format: use json or csv")
    return fmt


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, str):
        return inert_text(value)
    return value


def render(rows: list[dict], fmt: str) -> str:
    """A JSON array of rows, or CSV with a header row (maps of comparators and teams as JSON text).

    The CSV is opened in Excel as well as read by Power BI, so text that a spreadsheet would take
    for a formula gets a leading apostrophe (`kpiportal.exports.inert_text`); JSON carries it as it is.
    """
    if fmt == JSON:
        return json.dumps(rows, ensure_ascii=False)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FEED_FIELDS)
    for row in rows:
        writer.writerow([_csv_value(row[name]) for name in FEED_FIELDS])
    return out.getvalue()


def feed_text(period: date, fmt: str) -> str:
    return render(feed_rows(period), fmt)
