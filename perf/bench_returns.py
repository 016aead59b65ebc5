"""Returns pages "My returns" and "To review": SQL queries at 10 and 300 rows, server time against a bare template."""

from decimal import Decimal

from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from perf.run import timed

BARE = Template(
    "<table>{% for r in rows %}<tr><td><a href='{{ r.url }}'>{{ r.code }}</a></td><td>{{ r.title }}</td>"
    "<td>{{ r.state }}</td><td>{{ r.figure }}</td><td>{{ r.previous }}</td><td>{{ r.target }}</td>"
    "<td>{{ r.rag }}</td><td>{{ r.due }}</td><td>{{ r.overdue }}</td></tr>{% endfor %}</table>"
)


def _setup(rows_by_officer: dict[str, int], reviewed_rows: int):
    """Officers with their indicators and draft returns; a director with `reviewed_rows` submitted returns."""
    from django.contrib.auth.models import Group

    from indicators import periods
    from indicators.models import Indicator, ServiceArea, Target, Theme
    from kpiportal.accounts import roles
    from kpiportal.accounts.models import User
    from returns import deadlines
    from returns.models import Return, State

    roles.ensure_role_groups()
    period = deadlines.default_period(timezone.localdate())
    previous = periods.add_months(period, -1)
    year = periods.financial_year_of(period)
    theme, _ = Theme.objects.get_or_create(name="Bench theme")
    users = {}
    for username, role in [*((u, roles.RESPONSIBLE_OFFICER) for u in rows_by_officer), ("bench-dir", roles.DIRECTOR)]:
        user, _ = User.objects.get_or_create(username=username, defaults={"first_name": username, "last_name": "B"})
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    submitter = User.objects.get_or_create(username="bench-submitter")[0]

    def area_with(name, prefix, officer, count, state):
        area, _ = ServiceArea.objects.get_or_create(name=name)
        indicators = Indicator.objects.bulk_create(
            Indicator(
                code=f"{prefix} {n}",
                title=f"Bench indicator {n} in {name}",
                theme=theme,
                service_area=area,
                responsible_officer=officer,
                unit="percent",
                polarity="higher",
                decimals=1,
                aggregation="ratio",
            )
            for n in range(count)
        )
        Target.objects.bulk_create(
            Target(indicator=i, financial_year=year, target=Decimal("90"), tolerance=Decimal("5")) for i in indicators
        )
        Return.objects.bulk_create(
            Return(indicator=i, period=previous, value=Decimal("88"), state=State.APPROVED) for i in indicators
        )
        now = timezone.now()
        Return.objects.bulk_create(
            Return(
                indicator=i,
                period=period,
                value=Decimal("84.5"),
                commentary="Bench commentary",
                state=state,
                submitted_by=submitter if state == State.SUBMITTED else None,
                submitted_at=now if state == State.SUBMITTED else None,
            )
            for i in indicators
        )
        return area

    for index, (username, count) in enumerate(rows_by_officer.items()):
        area_with(f"Area of {username}", f"RO{index}", users[username], count, State.DRAFT)
    for index, count in enumerate((10, reviewed_rows)):
        area = area_with(f"Reviewed by {count}", f"RV{index}", submitter, count, State.SUBMITTED)
        director, _ = User.objects.get_or_create(username=f"bench-dir-{count}")
        director.groups.add(Group.objects.get(name=roles.DIRECTOR))
        area.directors.add(director)
        users[f"dir{count}"] = director
    return users, period


def _query_count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(captured.captured_queries)


def _rows(page, user, period):
    from indicators.models import Indicator
    from returns import selectors
    from returns.models import Return

    today = timezone.localdate()
    if page == "mine":
        indicators = Indicator.objects.live().filter(pk__in=Indicator.objects.owned_by(user).values("pk"))
        return selectors.officer_rows(
            indicators.select_related("service_area", "responsible_officer"), period, today=today, working_day=5
        )
    return selectors.review_rows(Return.objects.awaiting_review_by(user).with_people(), today=today, working_day=5)


def _bare_rows(rows):
    return [
        {
            "url": "/returns/1/",
            "code": row.indicator.code,
            "title": row.indicator.title,
            "state": row.state,
            "figure": f"{row.value:,.1f}%" if row.value is not None else "",
            "previous": f"{row.previous_value:,.1f}%" if row.previous_value is not None else "",
            "target": f"{row.target:,.1f}" if row.target is not None else "",
            "rag": row.rag,
            "due": row.due.isoformat(),
            "overdue": "Yes" if row.overdue else "No",
        }
        for row in rows
    ]


def run(report):
    users, period = _setup({"bench-ro10": 10, "bench-ro60": 60, "bench-ro300": 300}, 300)
    month = f"?period={period:%Y-%m}"

    def client_for(username):
        client = Client()
        client.force_login(users[username])
        return client

    counts = {}
    for rows in (10, 300):
        counts[("mine", rows)] = _query_count(client_for(f"bench-ro{rows}"), "/returns/mine/" + month)
        counts[("review", rows)] = _query_count(client_for(f"dir{rows}"), "/returns/review/")
    for page, label in (("mine", '"My returns"'), ("review", '"To review"')):
        equal = counts[(page, 10)] == counts[(page, 300)]
        report.add("returns", f"{label} SQL queries, 10 rows", counts[(page, 10)], "queries")
        report.add(
            "returns",
            f"{label} SQL queries, 300 rows",
            counts[(page, 300)],
            "queries",
            target="= count at 10 rows",
            ok=equal,
            must=True,
        )

    for page, username, url, rows in (
        ("mine", "bench-ro60", "/returns/mine/" + month, 60),
        ("review", "dir300", "/returns/review/", 300),
    ):
        client = client_for(username)
        assert client.get(url).status_code == 200
        page_time = timed(lambda client=client, url=url: client.get(url), repeat=7)
        data = _rows(page, users[username], period)
        assert len(data) == rows, len(data)
        bare = _bare_rows(data)
        bare_time = timed(lambda bare=bare: BARE.render(Context({"rows": bare})), repeat=7)
        label = '"My returns"' if page == "mine" else '"To review"'
        report.add("returns", f"{label} with {rows} rows, server time (ms)", page_time * 1000, "ms")
        report.add("returns", f"bare template, same {rows} rows (ms)", bare_time * 1000, "ms")
        report.add("returns", f"{label} / bare template", page_time / bare_time, "×")
