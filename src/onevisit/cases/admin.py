"""Cases are read here, never written: acceptance, tasks and delivery go through the services, which record events."""

from django.contrib import admin

from onevisit.accounts.admin import HallScoped, ReadOnly
from onevisit.cases.models import Case, CaseItem, Visit


class _ReadOnlyInline(ReadOnly, admin.TabularInline):
    extra = 0
    can_delete = False


class CaseItemInline(_ReadOnlyInline):
    model = CaseItem


class VisitInline(_ReadOnlyInline):
    model = Visit


@admin.register(Case)
class CaseAdmin(HallScoped, ReadOnly, admin.ModelAdmin):
    list_display = ["id", "hall", "matter", "window", "status", "accepted_at", "completed_at"]
    list_filter = [("hall", admin.RelatedOnlyFieldListFilter), "status"]
    inlines = [CaseItemInline, VisitInline]
