from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from kpiportal.accounts.models import ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Portal", {"fields": ("initials", "job_title", "alert_mode", "notify_recovery")}),
    )
    list_display = ("username", "first_name", "last_name", "email", "initials", "is_active")
    list_filter = ("groups", "is_active")
    search_fields = ("username", "first_name", "last_name", "email", "initials")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
