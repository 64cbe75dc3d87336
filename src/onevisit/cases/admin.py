"""Cases are read here, never written: acceptance, tasks and delivery go through the services, which record events."""

from django.contrib import admin

from onevisit.accounts.admin import HallScoped, ReadOnly
from onevisit.cases.models import Case, CaseItem, Visit
from onevisit.core import access


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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The case's page shows its citizen (name, masked ID): the read is recorded (core.access)."""
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and str(object_id).isdigit():
            person = Case.objects.filter(pk=object_id).values_list("person_id", flat=True).first()
            access.record(actor=request.user, persons=[person], where=request.path, case=object_id)
        return response
