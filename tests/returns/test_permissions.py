"""Every returns URL and action for every role: the exact status, and whether the return changed.

Roles: anonymous, viewer, the indicator's officer (RO), another officer, the
director of the indicator's service area, a director of another area, the
performance team. 404 for what a user may not see, 403 for what they may see
but not change, 302 to the login page for anonymous users.
"""

from decimal import Decimal as D
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from returns import services
from returns.models import Return, State
from tests import factories
from tests.returns.conftest import NOV

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "viewer", "officer", "other_officer", "director", "other_director", "performance_user")


def _user(request, role):
    return None if role == "anonymous" else request.getfixturevalue(role)


def _return(state, indicator, officer, director):
    ret = factories.ReturnFactory(indicator=indicator, period=NOV, value=D("92"))
    if state in (State.SUBMITTED, State.APPROVED):
        services.return_submit(returns=[ret], by=officer)
    if state == State.APPROVED:
        services.return_approve(returns=[ret], by=director)
    ret.refresh_from_db()
    return ret


# (name, state of the return beforehand, method, url(ret, indicator), data(ret), statuses by role in ROLES order)
PAGES = [
    (
        "detail of a draft",
        "draft",
        "get",
        lambda r, i: reverse("returns:detail", args=[r.pk]),
        None,
        (302, 404, 200, 200, 200, 200, 200),
    ),
    (
        "detail of an approved return",
        "approved",
        "get",
        lambda r, i: reverse("returns:detail", args=[r.pk]),
        None,
        (302, 200, 200, 200, 200, 200, 200),
    ),
    (
        "history of a draft",
        "draft",
        "get",
        lambda r, i: reverse("returns:history", args=[r.pk]),
        None,
        (302, 404, 200, 200, 200, 200, 200),
    ),
    (
        "history of an approved return",
        "approved",
        "get",
        lambda r, i: reverse("returns:history", args=[r.pk]),
        None,
        (302, 200, 200, 200, 200, 200, 200),
    ),
    (
        "correction form",
        "draft",
        "get",
        lambda r, i: reverse("returns:correct", args=[r.pk]),
        None,
        (302, 404, 403, 403, 403, 403, 200),
    ),
    (
        "entry form of a return not started",
        None,
        "get",
        lambda r, i: reverse("returns:enter", args=[i.pk, NOV]),
        None,
        (302, 404, 200, 403, 403, 403, 403),
    ),
    ("my returns", None, "get", lambda r, i: reverse("returns:mine"), None, (302, 403, 200, 200, 200, 200, 200)),
    ("to review", None, "get", lambda r, i: reverse("returns:review"), None, (302, 403, 403, 403, 200, 200, 200)),
    (
        "completeness",
        None,
        "get",
        lambda r, i: reverse("returns:completeness"),
        None,
        (302, 403, 403, 403, 200, 200, 200),
    ),
    (
        "template download",
        None,
        "get",
        lambda r, i: reverse("returns:template") + "?period=2022-11",
        None,
        (302, 403, 200, 200, 200, 200, 200),
    ),
    (
        "upload form",
        None,
        "get",
        lambda r, i: reverse("returns:upload") + "?period=2022-11",
        None,
        (302, 403, 200, 200, 200, 200, 200),
    ),
]

APPROVED_BY_REVIEWERS = {"director": ("approved", D("92")), "performance_user": ("approved", D("92"))}
RETURNED = ("returned", D("92"))
DRAFT = ("draft", D("92"))

# (name, state before, url, data, statuses, (state, figure) after for the roles whose action succeeds)
ACTIONS = [
    ("save a draft", "draft", lambda r, i: reverse("returns:detail", args=[r.pk]),
     lambda r: {"version": r.version, "value": "93", "action": "save"},
     (302, 404, 302, 403, 403, 403, 403), {"officer": ("draft", D("93"))}),
    ("start a return", None, lambda r, i: reverse("returns:enter", args=[i.pk, NOV]),
     lambda r: {"version": 0, "value": "93"},
     (302, 404, 302, 403, 403, 403, 403), {"officer": ("draft", D("93"))}),
    ("submit", "draft", lambda r, i: reverse("returns:submit", args=[r.pk]), lambda r: {"version": r.version},
     (302, 404, 302, 403, 403, 403, 403), {"officer": ("submitted", D("92"))}),
    ("approve", "submitted", lambda r, i: reverse("returns:approve", args=[r.pk]),
     lambda r: {"approve-version": r.version},
     (302, 404, 403, 403, 302, 403, 302), APPROVED_BY_REVIEWERS),
    ("send back", "submitted", lambda r, i: reverse("returns:send_back", args=[r.pk]),
     lambda r: {"send_back-comment": "Check it", "send_back-version": r.version},
     (302, 404, 403, 403, 302, 403, 302), {"director": RETURNED, "performance_user": RETURNED}),
    ("reopen", "approved", lambda r, i: reverse("returns:reopen", args=[r.pk]),
     lambda r: {"reopen-reason": "Late data", "reopen-version": r.version},
     (302, 403, 403, 403, 302, 403, 302), {"director": DRAFT, "performance_user": DRAFT}),
    ("correct", "approved", lambda r, i: reverse("returns:correct", args=[r.pk]),
     lambda r: {"version": r.version, "value": "94", "reason": "Double count"},
     (302, 403, 403, 403, 403, 403, 302), {"performance_user": ("approved", D("94"))}),
    ("submit ticked returns", "draft", lambda r, i: reverse("returns:submit_many"),
     lambda r: {"returns": f"{r.pk}:{r.version}"},
     (302, 403, 302, 302, 302, 302, 302), {"officer": ("submitted", D("92"))}),
    ("approve ticked returns", "submitted", lambda r, i: reverse("returns:approve_many"),
     lambda r: {"returns": f"{r.pk}:{r.version}"},
     (302, 403, 403, 403, 302, 302, 302), APPROVED_BY_REVIEWERS),
]  # fmt: skip


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
@pytest.mark.parametrize(("name", "state", "method", "url", "data", "statuses"), PAGES, ids=[p[0] for p in PAGES])
def test_pages(client, request, indicator, officer, director, role_index, name, state, method, url, data, statuses):
    role = ROLES[role_index]
    ret = _return(state, indicator, officer, director) if state else None
    user = _user(request, role)
    if user is not None:
        client.force_login(user)
    response = client.get(url(ret, indicator))
    assert response.status_code == statuses[role_index], f"{name} as {role}"
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
@pytest.mark.parametrize(("name", "state", "url", "data", "statuses", "changes"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_actions(client, request, indicator, officer, director, role_index, name, state, url, data, statuses, changes):
    role = ROLES[role_index]
    ret = _return(state, indicator, officer, director) if state else None
    before = (ret.state, ret.value, ret.version) if ret else None
    user = _user(request, role)
    if user is not None:
        client.force_login(user)
    response = client.post(url(ret, indicator), data(ret) if ret else data(Return(version=0)))
    assert response.status_code == statuses[role_index], f"{name} as {role}"
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    after = Return.objects.filter(indicator=indicator, period=NOV).first()
    if role in changes:
        assert (after.state, after.value) == changes[role], f"{name} as {role}"
    else:
        # Refused: nothing changed (no return created, or the same state, figure and version).
        assert (after.state, after.value, after.version) == before if before else after is None, f"{name} as {role}"


@pytest.mark.parametrize(
    "url_name",
    ["submit_many", "approve_many"],
)
def test_post_only_bulk_actions_refuse_get(client, officer, url_name):
    client.force_login(officer)
    assert client.get(reverse(f"returns:{url_name}")).status_code == 405


@pytest.mark.parametrize("url_name", ["submit", "approve", "send_back", "reopen"])
def test_post_only_actions_refuse_get(client, performance_user, indicator, officer, director, url_name):
    ret = _return(State.SUBMITTED, indicator, officer, director)
    client.force_login(performance_user)
    assert client.get(reverse(f"returns:{url_name}", args=[ret.pk])).status_code == 405


def test_history_and_template_refuse_post(client, indicator, officer, director):
    ret = _return(State.DRAFT, indicator, officer, director)
    client.force_login(officer)
    assert client.post(reverse("returns:history", args=[ret.pk])).status_code == 405
    assert client.post(reverse("returns:template") + "?period=2022-11").status_code == 405
    assert client.post(reverse("returns:mine")).status_code == 405


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_upload(client, request, role_index):
    role = ROLES[role_index]
    user = _user(request, role)
    if user is not None:
        client.force_login(user)
    upload = SimpleUploadedFile("returns.xlsx", BytesIO(b"not a workbook").getvalue())
    response = client.post(reverse("returns:upload"), {"period": "2022-11", "file": upload})
    assert response.status_code == (302, 403, 200, 200, 200, 200, 200)[role_index]
    if response.status_code == 200:
        assert b"not a returns template downloaded from the portal" in response.content


def test_viewer_history_shows_only_approved_versions(client, viewer, indicator, officer, director):
    ret = _return(State.APPROVED, indicator, officer, director)
    client.force_login(viewer)
    entries = client.get(reverse("returns:history", args=[ret.pk])).context["entries"]
    # Every action is listed, as before; the figures only of the approved versions, and no team rows.
    assert {e.state for e in entries if e.figures is not None} == {"Approved"}
    assert all(e.figures is None for e in entries if e.state != "Approved")
    assert all(e.figures.teams == [] for e in entries if e.figures is not None)


@pytest.mark.parametrize(("name", "state", "url", "data", "statuses", "changes"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_every_action_needs_the_csrf_token(
    request, indicator, officer, director, name, state, url, data, statuses, changes
):
    """A page on another site cannot make a signed-in user's browser change a return."""
    ret = _return(state, indicator, officer, director) if state else None
    before = (ret.state, ret.value, ret.version) if ret else None
    (role,) = changes.keys() if len(changes) == 1 else ("performance_user",)
    client = Client(enforce_csrf_checks=True)
    client.force_login(request.getfixturevalue(role))
    response = client.post(url(ret, indicator), data(ret) if ret else data(Return(version=0)))
    assert response.status_code == 403, name
    after = Return.objects.filter(indicator=indicator, period=NOV).first()
    assert (after.state, after.value, after.version) == before if before else after is None, name


def test_the_entry_address_of_a_started_return_tells_a_viewer_nothing(client, viewer, indicator, officer, director):
    draft = _return(State.DRAFT, indicator, officer, director)
    client.force_login(viewer)
    url = reverse("returns:enter", args=[indicator.pk, NOV])
    assert client.get(url).status_code == 404  # not a redirect naming the draft's id
    assert client.post(url, {"version": draft.version, "value": "1"}).status_code == 404


def test_unknown_return_and_month_are_404(client, officer, indicator):
    client.force_login(officer)
    assert client.get(reverse("returns:detail", args=[999999])).status_code == 404
    assert client.get(f"/returns/enter/{indicator.pk}/2022-13/").status_code == 404
    # A closed month's template is refused with the reason on My returns (test_excel), not a bare 404.
    refused = client.get(reverse("returns:template") + "?period=2019-01")
    assert refused.status_code == 302 and refused["Location"] == reverse("returns:mine")
