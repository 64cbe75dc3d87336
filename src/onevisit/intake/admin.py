from django.contrib import admin

from onevisit.accounts.admin import HallScoped, ReadOnly
from onevisit.intake.models import Consultation, PreReview, Printer

INTERNAL = ["idempotency_key", "idempotency_fingerprint", "checklists", "judged"]


@admin.register(PreReview)
class PreReviewAdmin(HallScoped, ReadOnly, admin.ModelAdmin):
    """The guide desk's findings, shown: the desk writes them, with their events; nobody edits or deletes them here."""

    list_display = ["id", "hall", "matter", "bundle", "verdict", "channel", "ticket", "created_at"]
    list_filter = [("hall", admin.RelatedOnlyFieldListFilter), "verdict", "channel"]
    # Not the machinery: the request's key and fingerprint (repeat protection) and the raw version and judgement
    # maps the desk keeps for the window (the materials present and missing say the same in words).
    exclude = INTERNAL
    readonly_fields = [f.name for f in PreReview._meta.fields if f.name not in INTERNAL]


@admin.register(Consultation)
class ConsultationAdmin(HallScoped, ReadOnly, admin.ModelAdmin):
    list_display = ["created_at", "hall", "matter", "bundle", "note"]
    list_filter = [("hall", admin.RelatedOnlyFieldListFilter)]
    readonly_fields = [f.name for f in Consultation._meta.fields]


@admin.register(Printer)
class PrinterAdmin(HallScoped, admin.ModelAdmin):
    """Each guide desk, kiosk and window names its printer (location) and a backup to fail over to."""

    list_display = ["code", "name", "hall", "kind", "address", "location", "backup"]
    list_filter = [("hall", admin.RelatedOnlyFieldListFilter), "kind"]
