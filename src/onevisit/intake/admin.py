from django.contrib import admin

from onevisit.accounts.admin import HallScoped, ReadOnly
from onevisit.intake.models import Consultation, PreReview, Printer


@admin.register(PreReview)
class PreReviewAdmin(HallScoped, ReadOnly, admin.ModelAdmin):
    """The guide desk's findings, shown: the desk writes them, with their events; nobody edits or deletes them here."""

    list_display = ["id", "hall", "matter", "bundle", "verdict", "channel", "ticket", "created_at"]
    list_filter = [("hall", admin.RelatedOnlyFieldListFilter), "verdict", "channel"]
    readonly_fields = [f.name for f in PreReview._meta.fields]


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
