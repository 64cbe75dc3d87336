from django.contrib import admin

from onevisit.cases.models import Case, CaseItem, Visit


class CaseItemInline(admin.TabularInline):
    model = CaseItem
    extra = 0


class VisitInline(admin.TabularInline):
    model = Visit
    extra = 0


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["id", "hall", "matter", "window", "status", "accepted_at", "completed_at"]
    list_filter = ["hall", "status"]
    inlines = [CaseItemInline, VisitInline]
