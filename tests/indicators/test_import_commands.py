"""The import commands: exact names, what they print, exit codes, all or nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from indicators.models import Indicator
from returns.models import Return
from tests.files import csv_bytes

pytestmark = pytest.mark.django_db


def write(tmp_path, name, rows):
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows))
    return str(path)


def test_import_indicators_prints_what_it_created(tmp_path, officer):
    path = write(
        tmp_path,
        "indicators.csv",
        [
            ["code", "title", "theme", "service_area", "responsible_officer"],
            ["CP 5", "ICPCs", "Risk", "CSC", "officer"],
        ],
    )
    out = StringIO()
    call_command("import_indicators", path, stdout=out)
    assert "created indicator CP 5 (ICPCs)" in out.getvalue()
    assert "Written: themes: 1 created; service areas: 1 created; indicators: 1 created" in out.getvalue()
    assert Indicator.objects.get().responsible_officer == officer


def test_import_figures_with_a_user_and_a_bad_row_exits_non_zero_having_written_nothing(
    tmp_path, indicator, performance_user
):
    good = ["CP 5", "Sep-20", "48"]
    path = write(tmp_path, "figures.csv", [["indicator_code", "period", "value"], good, ["CP 5", "Oct-20", "x"]])
    err = StringIO()
    with pytest.raises(CommandError, match=r"1 problem in .*figures.csv: nothing was written"):
        call_command("import_figures", path, "--user", "perf", stderr=err, stdout=StringIO())
    assert "Row 3, column 'value': 'x' is not a number" in err.getvalue()
    assert not Return.objects.exists()
    path = write(tmp_path, "figures.csv", [["indicator_code", "period", "value"], good])
    out = StringIO()
    call_command("import_figures", path, "--user", "perf", stdout=out)
    assert "Written: figures: 1 created" in out.getvalue()
    assert Return.objects.get().approved_by == performance_user


def test_import_populations_and_the_dry_run(tmp_path):
    path = write(tmp_path, "pop.csv", [["team", "year", "population"], ["EAST", "2015", "12000"]])
    out = StringIO()
    call_command("import_populations", path, "--dry-run", stdout=out)
    assert "Would write: teams: 1 created; populations: 1 created" in out.getvalue()
    call_command("import_populations", path, stdout=out)
    from benchmarks.models import Population

    assert Population.objects.count() == 1


def test_files_that_cannot_be_read_and_unknown_users(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_bytes(b"%PDF-1.4 binary")
    with pytest.raises(CommandError, match="This is a PDF"):
        call_command("import_figures", str(path))
    with pytest.raises(CommandError, match="There is no file"):
        call_command("import_figures", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="There is no user 'nobody'"):
        call_command("import_figures", str(path), "--user", "nobody")
