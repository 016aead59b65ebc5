"""Template tags other pages use to show follows: the button on the indicator page, the list on the profile."""

from django import template

from indicators.alerts import selectors

register = template.Library()


@register.inclusion_tag("alerts/includes/follow_button.html", takes_context=True)
def follow_button(context, indicator):
    """Follow / Unfollow for the signed-in user. Usage: {% load alerts %}{% follow_button indicator %}."""
    request = context["request"]
    return {
        "indicator": indicator,
        "following": selectors.is_following(request.user, indicator),
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("alerts/includes/followed.html", takes_context=True)
def followed_indicators(context):
    """The indicators the signed-in user follows, each with an Unfollow button (profile page)."""
    request = context["request"]
    return {
        "follows": list(selectors.followed_indicators(request.user)),
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
