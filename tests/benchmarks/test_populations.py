"""Importing teams and 0–17 populations."""

import pytest

from benchmarks.models import Population
from benchmarks.populations import populations_import
from indicators.models import Team
from kpiportal.sheets import reader
from tests import factories
from tests.files import csv_bytes

pytestmark = pytest.mark.django_db


def run(rows, by, commit=True):
    return populations_import(reader.read_bytes(csv_bytes(rows)), by=by, commit=commit)


def test_teams_are_registered_and_populations_recorded(performance_user):
    rows = [
        ["Team", "Year", "Population"],
        ["", "2015", "43,000"],
        ["EAST", "2015", "12000"],
        ["Other Citywide Teams", "", ""],
    ]
    report = run(rows, performance_user)
    assert report.ok, report.errors
    assert report.summary() == ["teams: 2 created", "populations: 2 created"]
    assert Population.objects.get(team=None, year=2015).population == 43000
    assert Population.objects.get(team__name="EAST").population == 12000
    assert set(Team.objects.values_list("name", flat=True)) == {"EAST", "Other Citywide Teams"}
    again = run([rows[0], ["", "2015", "44000"], rows[2]], performance_user)
    assert again.summary() == ["populations: 1 updated, 1 unchanged"]
    assert Population.objects.get(team=None, year=2015).population == 44000


def test_known_teams_match_whatever_their_case(performance_user):
    factories.TeamFactory(name="NWC")
    report = run([["team", "year", "population"], ["nwc", "2019", "9000"]], performance_user)
    assert report.ok and Team.objects.count() == 1


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (["EAST", "2015", "lots"], "population", "'lots' is not a number"),
        (["EAST", "2015", "-5"], "population", "'-5' is not a whole number of 0 or more"),
        (["EAST", "15", "100"], "year", "'15' is not a year (e.g. 2015)"),
        (["EAST", "", "100"], "year", "give the mid-year estimate year of the population"),
        (["", "2015", ""], "population", "the whole authority's row needs a population"),
    ],
)
def test_bad_rows_write_nothing(performance_user, row, column, reason):
    report = run([["team", "year", "population"], ["SOUTH", "2015", "100"], row], performance_user)
    assert [(e.row, e.column, e.reason) for e in report.errors] == [(3, column, reason)]
    assert not Team.objects.exists() and not Population.objects.exists()


def test_the_same_team_and_year_twice_is_refused(performance_user):
    report = run([["team", "year", "population"], ["EAST", "2015", "1"], ["east", "2015", "2"]], performance_user)
    assert [(e.row, e.reason) for e in report.errors] == [(3, "east 2015 is also on row 2")]
