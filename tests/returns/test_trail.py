"""A return's audit trail: one entry per version of the return, with the action recorded with it and its team rows."""

from datetime import date
from decimal import Decimal as D

import pytest

from indicators import scoring
from indicators.imports.figures import figures_import
from kpiportal.sheets import reader
from returns import figures, services, trail
from tests import factories, files
from tests.returns.conftest import NOV

pytestmark = pytest.mark.django_db


def test_each_version_carries_its_action_comment_override_and_team_rows(indicator, officer, performance_user):
    east, south = factories.TeamFactory(name="EAST"), factories.TeamFactory(name="SOUTH")
    two_teams = figures.Entry(
        teams={east.pk: scoring.Point(None, D("9"), D("10")), south.pk: scoring.Point(None, D("8"), D("10"))},
        commentary="SOUTH short-staffed",
    )
    ret = services.return_save_draft(indicator=indicator, period=NOV, entry=two_teams, version=0, by=officer).ret
    (ret,) = services.return_submit(returns=[ret], by=officer)
    one_team = figures.Entry(teams={east.pk: scoring.Point(None, D("9"), D("10"))}, commentary="EAST only")
    ret = services.return_correct(
        ret=ret, entry=one_team, by=performance_user, reason="SOUTH counted twice", version=ret.version
    ).ret
    services.return_approve(
        returns=[ret], by=performance_user, comment="Checked with SOUTH", own_approval_override=True
    )

    approved, corrected, submitted, created = trail.return_trail(ret, performance_user)
    assert [(e.version, e.state) for e in (created, submitted, corrected, approved)] == [
        (1, "Draft"),
        (2, "Awaiting review"),
        (3, "Awaiting review"),
        (4, "Approved"),
    ]
    assert [a.name for a in created.actions] == ["Created"]
    assert sorted(created.figures.teams) == ["EAST: 90.0%", "SOUTH: 80.0%"]
    assert [(a.name, a.comment) for a in corrected.actions] == [
        ("Corrected by the performance team", "SOUTH counted twice")
    ]
    assert corrected.figures.teams == ["SOUTH: removed"] and corrected.figures.value == "90.0%"
    (approval,) = approved.actions
    assert (approval.name, approval.comment, approval.own_approval_override) == ("Approved", "Checked with SOUTH", True)
    assert (approval.from_state, approval.to_state) == ("Awaiting review", "Approved")


def test_imported_figures_are_one_version_with_the_import_recorded_on_it(indicator, performance_user, viewer):
    data = files.csv_bytes([["indicator_code", "period", "value"], ["CP 5", "Sep-20", "48%"]])
    assert figures_import(reader.read_bytes(data), by=performance_user, commit=True).ok
    ret = indicator.returns.get(period=date(2020, 9, 1))
    (only,) = trail.return_trail(ret, viewer)
    assert (only.state, only.figures.value, only.who) == ("Approved", "48.0%", "Pat Analyst")
    assert [a.name for a in only.actions] == ["Imported as approved history"]
