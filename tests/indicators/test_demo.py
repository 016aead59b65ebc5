"""The demo loader: the seeds through the importers, spot checks, and a second run that changes nothing."""

from datetime import date
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command

from indicators import scoring
from indicators.models import Indicator, ServiceArea, Target, Theme
from kpiportal.accounts.models import User
from returns.models import Return, ReturnEvent, TeamFigure

pytestmark = pytest.mark.django_db


def snapshot():
    models = (Indicator, Target, Theme, ServiceArea, Return)
    rows = {m.__name__: m.objects.count() for m in (*models, ReturnEvent, TeamFigure, User)}
    history = {m.__name__: m.history.count() for m in models}
    values = list(Return.objects.order_by("pk").values_list("pk", "value", "version", "state"))
    return rows, history, values


def test_the_demo_loads_the_seeds_and_a_second_run_changes_nothing():
    out = StringIO()
    call_command("load_demo", stdout=out)
    printed = out.getvalue()
    for line in ("perf       / perf-demo-2026", "officer    / officer-demo-2026", "dw         / dw-demo-2026"):
        assert line in printed
    # The performance team reaches the admin by their role; nobody else does.
    assert set(User.objects.filter(is_staff=True).values_list("username", flat=True)) == {"perf"}

    cp5 = Indicator.objects.get(code="CP 5")
    assert cp5.polarity == scoring.HIGHER and cp5.unit == "percent"
    assert Return.objects.get(indicator=cp5, period=date(2020, 9, 1)).value == D("48")
    target = cp5.targets.get(financial_year=2020)
    assert target.target == D("77")
    assert scoring.rag(D("48"), target.as_rule()) == scoring.RED
    assert Return.objects.get(indicator__code="W 1", period=date(2019, 4, 1)).value == D("16.9")
    assert cp5.responsible_officer.initials == "DW" and cp5.theme.name == "Response to Risk"

    # Aggregations from the YTD columns; statuses from the 2017 list; the benchmark measures found by title.
    assert Indicator.objects.get(code="MC 8").aggregation == scoring.SUM
    assert Indicator.objects.get(code="CLA 3").aggregation == scoring.LATEST
    assert Indicator.objects.get(code="PLO").status == "under_development"
    assert Indicator.objects.get(code="CIN").status == "to_be_confirmed"
    rereferrals = Indicator.objects.get(title="% of referrals received that were re-referrals (within 12 months)")
    assert rereferrals.polarity == scoring.LOWER and rereferrals.code.startswith("FDB")
    assert Return.objects.get(indicator=rereferrals, period=date(2020, 12, 1)).value == D("12.9")
    assert rereferrals.targets.get(financial_year=2020).tolerance == D("1.0")

    # Every role has something to do: the director reviews every area, the officer owns some indicators.
    director = User.objects.get(username="director")
    assert ServiceArea.objects.exclude(directors=director).count() == 0
    officer = User.objects.get(username="officer")
    assert Indicator.objects.owned_by(officer).count() >= 3
    assert not Theme.objects.filter(name="Unassigned").exists()
    assert set(Return.objects.values_list("state", flat=True)) == {"approved"}

    before = snapshot()
    call_command("load_demo", stdout=StringIO())
    assert snapshot() == before


def seed_rows(path):
    """(code, printed RAG) of each indicator row of the monthly board seed."""
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) > 23 and cells[0].strip() and cells[0].strip() != "Indicator Number":
            yield cells[0].strip(), cells[23].strip().lower()


def test_the_demo_scorecard_reproduces_every_rag_the_board_seed_prints(django_capture_on_commit_callbacks):
    # The seed's RAG column judges Sep-20 against the 2020-21 target; the demo's
    # tolerances (catalogue.csv) are chosen so the portal agrees with the board paper.
    from pathlib import Path

    from indicators.models import ScorecardEntry

    with django_capture_on_commit_callbacks(execute=True):  # the demo's scorecard recompute runs on commit
        call_command("load_demo", stdout=StringIO())
    seed = Path(__file__).resolve().parents[2] / "indicators" / "demo_data" / "scorecard-2019-2021-monthly.txt"
    printed = dict(seed_rows(seed))
    assert len(printed) >= 30
    ours = dict(
        ScorecardEntry.objects.whole_authority()
        .filter(period=date(2020, 9, 1), indicator__code__in=printed)
        .values_list("indicator__code", "rag")
    )
    assert {code: ours.get(code) for code in printed} == printed
