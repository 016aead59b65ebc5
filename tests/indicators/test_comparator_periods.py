"""Financial years and quarters as comparator data are published (PRODUCT §5). No database."""

from datetime import date

import pytest

from indicators import periods as p


@pytest.mark.parametrize(
    ("text", "kind", "start"),
    [
        ("2019/20", p.YEAR, date(2019, 4, 1)),
        ("2019-20", p.YEAR, date(2019, 4, 1)),
        (" 2019/2020 ", p.YEAR, date(2019, 4, 1)),
        ("FY 2019/20", p.YEAR, date(2019, 4, 1)),
        ("2020/21 Q3", p.QUARTER, date(2020, 10, 1)),
        ("2020/21 q1", p.QUARTER, date(2020, 4, 1)),
        ("Q4 2020/21", p.QUARTER, date(2021, 1, 1)),
        ("2020/21-Q2", p.QUARTER, date(2020, 7, 1)),
        ("Q3, 2020-21", p.QUARTER, date(2020, 10, 1)),
    ],
)
def test_years_and_quarters(text, kind, start):
    assert p.parse_year_or_quarter(text) == (kind, start)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2019", "write 2019/20 or the year before"),
        ("19/20", "expected e.g. 2019/20"),
        ("2019/21", "expected e.g. 2019/20"),
        ("2020/21 Q5", "expected e.g. 2019/20"),
        ("Q3 2020", "not a quarter"),
        ("Nov-20", "expected e.g. 2019/20"),
        ("", "blank"),
    ],
)
def test_years_in_the_wrong_form_are_refused_with_the_reason(text, reason):
    with pytest.raises(p.PeriodError, match=reason):
        p.parse_year_or_quarter(text)


def test_labels_and_ends():
    assert p.year_or_quarter_label(p.YEAR, date(2019, 4, 1)) == "2019/20"
    assert p.year_or_quarter_label(p.QUARTER, date(2021, 1, 1)) == "2020/21 Q4"
