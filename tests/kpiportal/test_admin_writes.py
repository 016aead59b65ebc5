"""Every admin URL, posted to by every role: nothing the services own is written outside them.

For one object of each registered model the walk posts to the changelist (its actions), the add page,
the change page, the history page, each past version's page (simple-history's "revert" form), the
extra pages (a user's password) and the delete page, with the form as the admin renders it plus
forged values (a return approved "by" a director at 99, superuser status, every permission and group).
The database is fingerprinted before and after: roles without admin access change nothing; the
performance team and superusers change only what the admin is for (the catalogue, schedules, user
accounts), never returns, events, figures, scorecard entries, comparators, alerts, follows or tokens,
and the performance team never gives anyone superuser or staff status or permissions.
"""

import hashlib
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import time_machine
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django_celery_beat.models import ClockedSchedule, SolarSchedule

from benchmarks import services as benchmark_services
from benchmarks.models import ComparatorSource, ComparatorValue, Population, RatingComparator
from indicators.alerts import services as alert_services
from indicators.alerts.models import Alert, Delivery, Digest, Follow, Reminder, ReminderEmail, SendState
from indicators.models import (
    ImportBatch,
    Indicator,
    PortalSettings,
    RecomputeRequest,
    ScorecardEntry,
    ScorecardFailure,
    ScorecardState,
    ServiceArea,
    Target,
    Team,
    Theme,
)
from kpiportal.accounts import roles
from kpiportal.accounts import services as account_services
from kpiportal.accounts.models import ApiToken, User
from returns import services as return_services
from returns.models import Return, ReturnEvent, TeamFigure
from tests import factories

pytestmark = pytest.mark.django_db

NOV = date(2022, 11, 1)


@pytest.fixture(autouse=True)
def _mid_december():
    """Nov-22 is open for entry, as in the returns tests."""
    with time_machine.travel(datetime(2022, 12, 15, 10, 30), tick=True):
        yield


# Written only by the apps' services.
SERVICE_OWNED = (
    Return,
    TeamFigure,
    ReturnEvent,
    ScorecardEntry,
    ScorecardState,
    ScorecardFailure,
    ComparatorSource,
    ComparatorValue,
    RatingComparator,
    Alert,
    Delivery,
    Digest,
    ReminderEmail,
    Reminder,
    Follow,
    ApiToken,
    ImportBatch,
)
# What the admin is for: the catalogue and the schedules. Catalogue edits ask for a recompute.
CATALOGUE = (Indicator, Target, Theme, ServiceArea, Team, PortalSettings, Population)
CATALOGUE_RECOMPUTE_REASONS = {"target changed", "indicator changed", "portal settings changed"}
# Written by any visit, whoever it is.
BOOKKEEPING = (Session, LogEntry)

IDENTITIES = ("performance team", "director", "officer", "viewer", "no role", "anonymous", "superuser")


def _history_models(models):
    out = []
    for model in models:
        attribute = getattr(model._meta, "simple_history_manager_attribute", None)
        if attribute:
            out.append(getattr(model, attribute).model)
    return out


def _fingerprint(models) -> dict[str, str]:
    prints = {}
    for model in models:
        rows = list(model._base_manager.order_by("pk").values_list())
        prints[model._meta.db_table] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return prints


def _all_tables():
    return [m for m in apps.get_models(include_auto_created=True) if m not in BOOKKEEPING]


def _privileges():
    """Who is superuser or staff, whose superuser password, which permissions and non-role groups anyone has."""
    role_groups = set(Group.objects.filter(name__in=roles.ALL_ROLES).values_list("pk", flat=True))
    return (
        sorted((u.pk, u.is_superuser, u.is_staff, u.password if u.is_superuser else "") for u in User.objects.all()),
        sorted(User.user_permissions.through.objects.values_list("user_id", "permission_id")),
        sorted(
            (user_id, group_id)
            for user_id, group_id in User.groups.through.objects.values_list("user_id", "group_id")
            if group_id not in role_groups
        ),
        sorted(Group.objects.values_list("pk", "name")),
        sorted(Group.permissions.through.objects.values_list("group_id", "permission_id")),
    )


class _FormFields(HTMLParser):
    """The fields a browser would send back from the page's main form."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = None
        self._textarea = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.setdefault(name, []).append(a.get("value") or "on")
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.data.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data


def _form_data(html: str) -> dict[str, list[str]]:
    parser = _FormFields()
    parser.feed(html)
    return parser.data


@pytest.fixture
def world(performance_user, director, officer, viewer, indicator, service_area):
    """One object of each model the admin shows, made as the portal makes them."""
    superuser = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    auditors = Group.objects.create(name="Auditors")
    auditors.permissions.add(*Permission.objects.filter(codename__startswith="view_")[:5])
    factories.UserFactory(username="norole")
    team = factories.TeamFactory(name="EAST")
    factories.TargetFactory(indicator=indicator, financial_year=2022)
    factories.PopulationFactory(team=team, year=2021)
    factories.ThemeFactory(name="Spare theme")
    PortalSettings.load()

    draft = factories.ReturnFactory(indicator=indicator, period=NOV, value=Decimal("92"), updated_by=officer)
    TeamFigure.objects.create(ret=draft, team=team, value=Decimal("92"))
    (submitted,) = return_services.return_submit(returns=[draft], by=officer)
    assert submitted.state == "submitted"

    source = benchmark_services.comparator_source_create(name="England", kind="average", by=performance_user)
    benchmark_services.comparator_value_set(
        indicator=indicator,
        source=source,
        period_kind="year",
        period_start=date(2021, 4, 1),
        value=Decimal("80"),
        by=performance_user,
    )
    benchmark_services.rating_comparator_set(indicator=indicator, source=source, band=Decimal("5"), by=performance_user)
    ScorecardEntry.objects.create(indicator=indicator, period=date(2022, 10, 1), value=Decimal("90"), rag="green")
    ScorecardFailure.objects.create(indicator=indicator, reason="a figure is too large to store")
    alert = Alert.objects.create(
        indicator=indicator, period=date(2022, 10, 1), kind="turned_red", rag="red", value=80, target=90
    )
    digest = Digest.objects.create(recipient=director, day=date(2022, 10, 2), state=SendState.SENT)
    Delivery.objects.create(alert=alert, recipient=director, state=SendState.SENT, digest=digest)
    alert_services.follow_create(indicator=indicator, by=viewer)
    account_services.api_token_create(user=officer, name="Power BI")
    # A failed and a successful sign-in: the sign-in throttling's records.
    browser = Client(REMOTE_ADDR="10.0.0.7")
    browser.post(reverse("login"), {"username": "director", "password": "wrong"})
    browser.post(reverse("login"), {"username": "viewer", "password": factories.PASSWORD})
    SolarSchedule.objects.create(event="sunrise", latitude=51.5, longitude=-0.1)
    ClockedSchedule.objects.create(clocked_time="2030-01-01T09:00:00Z")
    return {
        "performance team": performance_user,
        "director": director,
        "officer": officer,
        "viewer": viewer,
        "no role": User.objects.get(username="norole"),
        "anonymous": None,
        "superuser": superuser,
    }


def _objects(model, world):
    if model is User:  # an ordinary user and a superuser
        return [world["officer"], world["superuser"]]
    obj = model._base_manager.order_by("pk").first()
    assert obj is not None, f"the walk needs one {model.__name__}"
    return [obj]


def _history_id(obj):
    attribute = getattr(obj._meta, "simple_history_manager_attribute", None)
    if not attribute:
        return None
    record = getattr(type(obj), attribute).filter(**{obj._meta.pk.attname: obj.pk}).order_by("history_id").first()
    return record.history_id if record else None


def _urls(model, model_admin, obj):
    """(name, url) of every named admin URL of `model`, the deleting ones last."""
    args_by_groups = {0: [], 1: [obj.pk], 2: [obj.pk, _history_id(obj)]}
    urls = []
    for pattern in model_admin.get_urls():
        if not pattern.name:
            continue
        args = args_by_groups.get(pattern.pattern.regex.groups)
        if args is None or None in args:
            continue
        try:
            urls.append((pattern.name, reverse(f"admin:{pattern.name}", args=args)))
        except NoReverseMatch:
            continue
    return sorted(urls, key=lambda pair: ("delete" in pair[0], pair[0]))


def _forgeries(world) -> dict[str, list[str]]:
    director = world["director"]
    return {
        "state": ["approved"],
        "value": ["99"],
        "approved_by": [str(director.pk)],
        "approved_at_0": ["2022-12-01"],
        "approved_at_1": ["09:00:00"],
        "is_superuser": ["on"],
        "is_staff": ["on"],
        "is_active": ["on"],
        "user_permissions": [str(pk) for pk in Permission.objects.values_list("pk", flat=True)],
        "groups": [str(pk) for pk in Group.objects.values_list("pk", flat=True)],
        "password1": ["a-new-password-for-you"],
        "password2": ["a-new-password-for-you"],
        "usable_password": ["true"],
        "_save": ["Save"],
    }


def _post_everywhere(client, world, reader):
    """POST to every admin URL; `reader` (a superuser client) renders each form first."""
    forged = _forgeries(world)
    targets = [
        (model, admin.site.get_model_admin(model), obj)
        for model in apps.get_models()
        if admin.site.is_registered(model)
        for obj in _objects(model, world)
    ]
    outcomes = []
    for model, model_admin, obj in targets:
        for name, url in _urls(model, model_admin, obj):
            if name.endswith("_changelist"):
                actions = ["delete_selected", *(getattr(a, "__name__", a) for a in model_admin.actions or ())]
                for action in actions:
                    data = {"action": action, "_selected_action": [str(obj.pk)], "post": "yes", "index": "0"}
                    response = client.post(url, data)
                    outcomes.append((url + f" [{action}]", response.status_code))
                continue
            page = reader.get(url)
            data = _form_data(page.content.decode()) if page.status_code == 200 else {}
            data.update(forged)
            if name.endswith("_delete"):
                data = {"post": ["yes"]}
            response = client.post(url, data)
            outcomes.append((url, response.status_code))
    return outcomes


@pytest.mark.parametrize("identity", IDENTITIES)
def test_no_admin_post_writes_outside_the_services(client, world, identity):
    reader = Client()
    reader.force_login(world["superuser"])
    user = world[identity]
    if user is not None:
        client.force_login(user)
    everything = _all_tables()
    owned = [*SERVICE_OWNED, *_history_models(SERVICE_OWNED)]
    before_all, before_owned = _fingerprint(everything), _fingerprint(owned)
    privileges = _privileges()
    reasons_before = {
        part for reason in RecomputeRequest.objects.values_list("reason", flat=True) for part in reason.split("; ")
    }

    outcomes = _post_everywhere(client, world, reader)

    assert len(outcomes) > 100
    assert not [o for o in outcomes if o[1] >= 500], outcomes
    if identity in ("performance team", "superuser"):
        changed = {t for t, h in _fingerprint(owned).items() if before_owned[t] != h}
        assert not changed, f"{identity} wrote {sorted(changed)} through the admin"
        # Catalogue edits ask for a recompute through the engine (merged into the pending request).
        asked = {
            part for reason in RecomputeRequest.objects.values_list("reason", flat=True) for part in reason.split("; ")
        }
        assert asked - reasons_before <= CATALOGUE_RECOMPUTE_REASONS
        submitted = Return.objects.get()
        assert submitted.state == "submitted" and submitted.value == Decimal("92") and submitted.approved_by is None
        if identity == "performance team":
            assert _privileges() == privileges, "the performance team changed privileges"
    else:
        changed = {t for t, h in _fingerprint(everything).items() if before_all[t] != h}
        assert not changed, f"{identity} wrote {sorted(changed)} through the admin"


def test_the_revert_form_of_a_return_is_shown_and_never_saves(client, world):
    """The reported attack: the history form posted back with state=approved, approved_by, value=99."""
    ret = Return.objects.get()
    record = ret.history.order_by("history_id").first()
    url = reverse("admin:returns_return_simple_history", args=[ret.pk, record.history_id])
    for who in ("performance team", "superuser"):
        client.force_login(world[who])
        page = client.get(url)
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        data = _form_data(page.content.decode())
        data.update(_forgeries(world))
        assert client.post(url, data).status_code == 403
    ret.refresh_from_db()
    assert (ret.state, ret.value, ret.approved_by) == ("submitted", Decimal("92"), None)
    assert not ReturnEvent.objects.filter(ret=ret, kind="approved").exists()


def test_history_forms_of_catalogue_models_refuse_post_too(client, world, indicator):
    record = indicator.history.order_by("history_id").first()
    url = reverse("admin:indicators_indicator_simple_history", args=[indicator.pk, record.history_id])
    client.force_login(world["performance team"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"code": "X 1", "title": "Forged"}).status_code == 403
    indicator.refresh_from_db()
    assert indicator.code == "CP 5"
