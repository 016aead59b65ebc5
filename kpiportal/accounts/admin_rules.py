"""What the admin may write, in one place for every app's `admin.py`.

The admin edits the catalogue (indicators, targets, themes, service areas, teams,
populations, portal settings) and user accounts. Everything the apps' services own
(returns and their figures and events, scorecard entries, comparator sources and
values, rating comparators, alerts and their emails, follows, API tokens) is shown
read only: those writes check roles, four-eyes and audit rules the admin's forms
know nothing about.

simple-history's "revert" form (`<object>/history/<version>/`) saves whatever is
posted to it and asks only for *view* permission, so it is shown and never saves:
`SIMPLE_HISTORY_REVERT_DISABLED` hides its button and `HistoryAdmin` refuses
anything but GET there, for every model.

An add page takes initial values from its query string (`?responsible_officer=3`); one for a
related object that is not an id is left out rather than looked up (Django's autocomplete
widget would fail on it with a server error).
"""

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from kpiportal import query

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _is_id(value) -> bool:
    number = query.whole_number(value)
    return number is not None and number > 0


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin, with its history pages read only."""

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.opts.get_field(name)
            except FieldDoesNotExist:
                continue
            values = value if isinstance(value, list) else [value]
            if field.is_relation and not all(_is_id(v) for v in values):
                del initial[name]
        return initial

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in SAFE_METHODS:
            raise PermissionDenied("Past versions are shown, never restored, in the admin.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdminMixin:
    """For models written only by their app's services: the admin shows them and nothing more."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceOwnedAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A read-only admin for a model its services own (no history)."""


class ServiceOwnedHistoryAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    """A read-only admin, with read-only history, for a model its services own."""
