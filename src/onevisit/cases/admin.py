"""Cases are read here, never written: acceptance, tasks and delivery go through the services, which record events."""

from django.contrib import admin

from onevisit.accounts.admin import HallScoped
from onevisit.cases.models import Case, CaseItem, Visit


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CaseItemInline(_ReadOnlyInline):
    model = CaseItem


class VisitInline(_ReadOnlyInline):
    model = Visit


@admin.register(Case)
class CaseAdmin(HallScoped, admin.ModelAdmin):
    list_display = ["id", "hall", "matter", "window", "status", "accepted_at", "completed_at"]
    list_filter = [("hall", admin.RelatedOnlyFieldListFilter), "status"]
    inlines = [CaseItemInline, VisitInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
