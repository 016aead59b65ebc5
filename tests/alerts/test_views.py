"""Alert pages: a user's alerts, one alert, the performance team's list and retry, follow and unfollow.

Each view: the happy path, the wrong method, the wrong user.
"""

import pytest
from django.urls import reverse

from indicators.alerts.models import Alert, Delivery, Follow, SendState
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(indicator, period):
    return Alert.objects.create(
        indicator=indicator,
        period=period,
        kind=Alert.Kind.TURNED_RED,
        rag="red",
        value=80,
        target=90,
        tolerance_threshold=85.5,
        previous_value=87,
        direction="down",
        polarity="higher",
        commentary="Two conferences moved.",
    )


@pytest.fixture
def officer_delivery(alert, officer):
    return Delivery.objects.create(alert=alert, recipient=officer, state=SendState.SENT)


@pytest.fixture
def failed_delivery(alert, director):
    return Delivery.objects.create(
        alert=alert,
        recipient=director,
        state=SendState.FAILED,
        attempts=8,
        last_error="The mail server refused the connection.",
    )


def login(client, user):
    client.force_login(user)
    return client


# --- alerts:mine ---


def test_my_alerts_lists_mine_with_their_state(client, officer, officer_delivery, failed_delivery):
    response = login(client, officer).get(reverse("alerts:mine"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1" in content and content.count("<h1") == 1
    assert "CP 5" in content
    assert '<span class="kpi-rag kpi-rag--red">Red</span>' in content
    assert "Sent" in content
    assert "Dana Director" not in content  # someone else's delivery


def test_my_alerts_filters_by_state(client, officer, officer_delivery):
    response = login(client, officer).get(reverse("alerts:mine"), {"state": "failed"})
    assert "No alerts yet." in response.content.decode()


def test_my_alerts_refuses_post_and_anonymous(client, officer):
    assert client.get(reverse("alerts:mine")).status_code == 302
    assert login(client, officer).post(reverse("alerts:mine")).status_code == 405


def test_my_alerts_costs_the_same_queries_for_many_rows(
    client, officer, indicator, period, django_assert_max_num_queries
):
    login(client, officer)
    for i in range(3):
        other = factories.IndicatorFactory(code=f"X {i}")
        Delivery.objects.create(
            alert=Alert.objects.create(indicator=other, period=period, kind="turned_red", rag="red", polarity="higher"),
            recipient=officer,
        )
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("alerts:mine"))
    for i in range(3, 30):
        other = factories.IndicatorFactory(code=f"X {i}")
        Delivery.objects.create(
            alert=Alert.objects.create(indicator=other, period=period, kind="turned_red", rag="red", polarity="higher"),
            recipient=officer,
        )
    with django_assert_max_num_queries(12) as many:
        client.get(reverse("alerts:mine"))
    assert len(many.captured_queries) == len(few.captured_queries)


# --- alerts:team and retry ---


def test_team_page_shows_failed_emails_with_retry(client, performance_user, failed_delivery, officer_delivery):
    response = login(client, performance_user).get(reverse("alerts:team"), {"state": "failed"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "The mail server refused the connection." in content
    assert reverse("alerts:retry", args=[failed_delivery.pk]) in content
    assert reverse("alerts:retry", args=[officer_delivery.pk]) not in content
    assert "1 failed" in content


def test_team_page_is_for_the_performance_team(client, director, performance_user):
    assert login(client, director).get(reverse("alerts:team")).status_code == 403
    assert login(client, performance_user).post(reverse("alerts:team")).status_code == 405


def test_retry_makes_a_failed_email_pending_again(client, performance_user, failed_delivery, settings):
    # Keep the email in the outbox: no task runs for it in this test (on_commit is not executed).
    response = login(client, performance_user).post(reverse("alerts:retry", args=[failed_delivery.pk]))
    assert response.status_code == 302
    failed_delivery.refresh_from_db()
    assert (failed_delivery.state, failed_delivery.attempts) == (SendState.PENDING, 0)
    assert failed_delivery.retried_by == performance_user


def test_retry_of_an_email_that_did_not_fail_says_why(client, performance_user, officer_delivery):
    response = login(client, performance_user).post(reverse("alerts:retry", args=[officer_delivery.pk]), follow=True)
    assert "only a failed email, or one that may have been sent, can be sent again" in response.content.decode()
    officer_delivery.refresh_from_db()
    assert officer_delivery.state == SendState.SENT


def test_retry_refuses_get_other_users_and_the_recipient(client, performance_user, director, officer, failed_delivery):
    url = reverse("alerts:retry", args=[failed_delivery.pk])
    assert login(client, performance_user).get(url).status_code == 405
    # The recipient sees the email but may not retry it; someone else does not see it at all.
    assert login(client, director).post(url).status_code == 403
    assert login(client, officer).post(url).status_code == 404
    failed_delivery.refresh_from_db()
    assert failed_delivery.state == SendState.FAILED


# --- alerts:detail ---


def test_alert_page_shows_the_figures(client, officer, officer_delivery, failed_delivery):
    response = login(client, officer).get(reverse("alerts:detail", args=[officer_delivery.alert.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    for text in ("80.0%", "90.0%", "85.5%", "87.0%", "Down, worsening", "Two conferences moved.", "Red"):
        assert text in content
    assert "Dana Director" not in content  # only the performance team sees everyone's emails


def test_alert_page_for_the_team_lists_every_email(client, performance_user, officer_delivery, failed_delivery):
    content = login(client, performance_user).get(reverse("alerts:detail", args=[officer_delivery.alert.pk])).content
    assert b"Dana Director" in content and b"Olive Officer" in content


def test_alert_page_is_hidden_from_others_and_refuses_post(client, viewer, officer, officer_delivery):
    url = reverse("alerts:detail", args=[officer_delivery.alert.pk])
    assert login(client, viewer).get(url).status_code == 404
    assert login(client, officer).post(url).status_code == 405


# --- follow / unfollow and the profile ---


def test_follow_and_unfollow_from_the_indicator_page(client, viewer, indicator):
    login(client, viewer)
    back = f"/indicators/{indicator.pk}/"
    response = client.post(reverse("alerts:follow", args=[indicator.pk]), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert Follow.objects.filter(user=viewer, indicator=indicator).count() == 1
    client.post(reverse("alerts:follow", args=[indicator.pk]))
    assert Follow.objects.filter(user=viewer, indicator=indicator).count() == 1

    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "Indicators you follow" in profile and "CP 5" in profile
    assert reverse("alerts:unfollow", args=[indicator.pk]) in profile

    response = client.post(reverse("alerts:unfollow", args=[indicator.pk]), {"next": reverse("accounts:profile")})
    assert response["Location"] == reverse("accounts:profile")
    assert not Follow.objects.filter(user=viewer).exists()
    assert "You do not follow any indicators" in client.get(reverse("accounts:profile")).content.decode()


def test_follow_ignores_a_next_address_on_another_site(client, viewer, indicator):
    response = login(client, viewer).post(
        reverse("alerts:follow", args=[indicator.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/indicators/{indicator.pk}/"


def test_follow_refuses_get_anonymous_and_users_without_a_role(client, viewer, indicator):
    url = reverse("alerts:follow", args=[indicator.pk])
    assert client.post(url).status_code == 302 and not Follow.objects.exists()  # to the login page
    assert login(client, viewer).get(url).status_code == 405
    assert client.get(reverse("alerts:unfollow", args=[indicator.pk])).status_code == 405
    nobody = factories.UserFactory(username="norole")
    assert login(client, nobody).post(url).status_code == 403
    assert login(client, viewer).post(reverse("alerts:follow", args=[999999])).status_code == 404


def test_follow_button_include(rf, viewer, indicator):
    from django.template import Context, Template

    request = rf.get(f"/indicators/{indicator.pk}/")
    request.user = viewer
    template = Template("{% load alerts %}{% follow_button indicator %}")
    html = template.render(Context({"request": request, "indicator": indicator}))
    assert reverse("alerts:follow", args=[indicator.pk]) in html and ">Follow<" in html
    Follow.objects.create(user=viewer, indicator=indicator)
    html = template.render(Context({"request": request, "indicator": indicator}))
    assert reverse("alerts:unfollow", args=[indicator.pk]) in html and ">Unfollow<" in html


def test_the_indicator_page_has_the_follow_button(client, viewer, indicator):
    login(client, viewer)
    page = client.get(reverse("indicators:detail", args=[indicator.pk])).content.decode()
    assert reverse("alerts:follow", args=[indicator.pk]) in page
    client.post(
        reverse("alerts:follow", args=[indicator.pk]), {"next": reverse("indicators:detail", args=[indicator.pk])}
    )
    page = client.get(reverse("indicators:detail", args=[indicator.pk])).content.decode()
    assert reverse("alerts:unfollow", args=[indicator.pk]) in page
    assert "You follow this indicator" in page


def test_team_page_costs_the_same_queries_for_many_rows(
    client, performance_user, officer, period, django_assert_max_num_queries
):
    login(client, performance_user)

    def add(start, stop):
        for i in range(start, stop):
            other = factories.IndicatorFactory(code=f"Y {i}")
            alert = Alert.objects.create(
                indicator=other, period=period, kind="turned_red", rag="red", polarity="higher"
            )
            Delivery.objects.create(alert=alert, recipient=officer, state=SendState.FAILED, last_error="refused")

    add(0, 2)
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("alerts:team"))
    add(2, 30)
    with django_assert_max_num_queries(14) as many:
        client.get(reverse("alerts:team"))
    assert len(many.captured_queries) == len(few.captured_queries)
