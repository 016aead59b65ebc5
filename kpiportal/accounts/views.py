from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from kpiportal.accounts import services
from kpiportal.accounts.models import DEFAULT_TOKEN_LIFETIME, TOKEN_LIFETIMES, ApiToken, User
from kpiportal.forms import GovukFormMixin


@method_decorator(login_not_required, name="dispatch")
class PortalLoginView(LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class AlertPreferencesForm(forms.Form):
    alert_mode = forms.ChoiceField(
        label="How should alerts reach you?", choices=User.AlertMode.choices, widget=forms.RadioSelect
    )
    notify_recovery = forms.BooleanField(label="Also tell me when an indicator is back on track", required=False)


NEVER = "never"


class TokenForm(GovukFormMixin, forms.Form):
    name = forms.CharField(
        label="What is the token for?", max_length=100, help_text="For example, 'Power BI board report'."
    )
    lifetime = forms.TypedChoiceField(
        label="When should it expire?",
        choices=[(NEVER if days is None else str(days), label) for days, label in TOKEN_LIFETIMES],
        coerce=lambda value: None if value == NEVER else int(value),
        empty_value=DEFAULT_TOKEN_LIFETIME,  # a form sent without a choice gets the default
        required=False,
        initial=str(DEFAULT_TOKEN_LIFETIME),
        widget=forms.RadioSelect,
    )


def profile(request):
    user = request.user
    prefs_form = AlertPreferencesForm(initial={"alert_mode": user.alert_mode, "notify_recovery": user.notify_recovery})
    return render(
        request,
        "accounts/profile.html",
        {
            "prefs_form": prefs_form,
            "token_form": TokenForm(),
            "tokens": user.api_tokens.all(),
            "new_key": request.session.pop("new_api_key", None),
        },
    )


@require_POST
def preferences_update(request):
    form = AlertPreferencesForm(request.POST)
    if form.is_valid():
        services.user_set_alert_preferences(
            user=request.user,
            alert_mode=form.cleaned_data["alert_mode"],
            notify_recovery=form.cleaned_data["notify_recovery"],
        )
        messages.success(request, "Your alert preferences are saved.")
    else:
        messages.error(request, "Choose how alerts should reach you.")
    return redirect("accounts:profile")


@require_POST
def token_create(request):
    form = TokenForm(request.POST)
    if not form.is_valid():
        field = "name" if "name" in form.errors else "lifetime"
        messages.error(
            request,
            "Give the token a name of up to 100 characters."
            if field == "name"
            else "Choose when the token expires: in 30 days, 90 days, a year, or never.",
        )
        return redirect("accounts:profile")
    _token, key = services.api_token_create(
        user=request.user, name=form.cleaned_data["name"], lifetime_days=form.cleaned_data["lifetime"]
    )
    # Shown once on the next page, then forgotten: only the hash is stored.
    request.session["new_api_key"] = key
    return redirect("accounts:profile")


@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.api_token_revoke(token=token, by=request.user)
    messages.success(request, f"Token '{token.name}' is revoked.")
    return redirect("accounts:profile")
