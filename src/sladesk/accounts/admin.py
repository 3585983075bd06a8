from django.contrib import admin

from .models import AccountTeamMember, AgentProfile, Contact, Organization, Team

__all__: list[str] = []


class AccountTeamInline(admin.TabularInline):
    model = AccountTeamMember
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "policy_name", "plan", "region", "timezone")
    list_filter = ("policy_name", "plan", "region")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (AccountTeamInline,)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("email", "name", "organization", "user")
    list_filter = ("organization",)
    search_fields = ("email", "name")
    list_select_related = ("organization", "user")
    raw_id_fields = ("user",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "oncall_user")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "timezone")
    filter_horizontal = ("teams",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    raw_id_fields = ("user",)
