"""Users and API tokens in the admin.

Superusers change everything. The performance team (staff by their role, with the
`accounts` permissions) manages accounts and gives the four roles, nothing else: no
superuser or staff status, no permissions, no other group, no change to a superuser's
account, no deleting (accounts are deactivated, so the figures keep who entered and
approved them). A password the team sets for someone else is recorded and that person
is told by email (`services.user_password_reset_recorded`); after too many failed
sign-ins the team unlocks an account here ("Unlock sign-in"). Tokens are read only: their
owners create and revoke them on the profile page.
"""

from axes.models import AccessAttempt, AccessFailureLog
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group

from kpiportal.accounts import roles, services
from kpiportal.accounts.admin_rules import ServiceOwnedAdmin
from kpiportal.accounts.models import ApiToken, User

PORTAL_FIELDSET = ("Portal", {"fields": ("initials", "job_title", "alert_mode", "notify_recovery")})
# What the performance team sees of a user's permissions: the account open or not, and the roles.
ROLES_FIELDSET = (
    "Access",
    {
        "fields": ("is_active", "groups"),
        "description": "Roles decide what each person sees and does in the portal. "
        "Admin access follows the performance-team role.",
    },
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, PORTAL_FIELDSET)
    list_display = ("username", "first_name", "last_name", "email", "initials", "is_active")
    list_filter = ("groups", "is_active")
    search_fields = ("username", "first_name", "last_name", "email", "initials")
    actions = ["unlock_sign_in"]

    @admin.action(description="Unlock sign-in of the selected users", permissions=["change"])
    def unlock_sign_in(self, request, queryset):
        for user in queryset:
            services.user_sign_in_unlock(user=user, by=request.user)
        messages.success(request, f"Sign-in unlocked for {len(queryset)} user(s).")

    def get_fieldsets(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        # The stock fieldsets, with superuser and staff status and permissions left out.
        return tuple(
            ROLES_FIELDSET if "is_superuser" in options["fields"] else (title, options)
            for title, options in super().get_fieldsets(request, obj)
        )

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=roles.ALL_ROLES).order_by("name")
            kwargs["help_text"] = "The roles of this person."
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        """The performance team's form lists only the roles: other groups the user is in stay as they are."""
        kept = []
        if change and not request.user.is_superuser:
            kept = list(form.instance.groups.exclude(name__in=roles.ALL_ROLES))
        super().save_related(request, form, formsets, change)
        if kept:
            form.instance.groups.add(*kept)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        password_before = user.password if user is not None else None
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and user is not None:
            user.refresh_from_db(fields=["password"])
            if user.password != password_before:
                services.user_password_reset_recorded(user=user, by=request.user)
        return response


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceOwnedAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")


@admin.register(AccessAttempt)
class AccessAttemptAdmin(ServiceOwnedAdmin):
    """Usernames and addresses with failed sign-ins (locked at `AXES_FAILURE_LIMIT`): unlock from the user list."""

    list_display = ("attempt_time", "username", "ip_address", "failures_since_start", "path_info")
    list_filter = ("attempt_time",)
    search_fields = ("username", "ip_address")


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(ServiceOwnedAdmin):
    """Every failed sign-in, and whether it was refused by the lock-out."""

    list_display = ("attempt_time", "username", "ip_address", "locked_out", "path_info")
    list_filter = ("locked_out", "attempt_time")
    search_fields = ("username", "ip_address")
