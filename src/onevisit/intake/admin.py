from django.contrib import admin

from onevisit.accounts.admin import HallScoped, ReadOnly
from onevisit.catalog.models import Material, Matter
from onevisit.intake.models import Consultation, PreReview, Printer

INTERNAL = ["idempotency_key", "idempotency_fingerprint", "checklists", "judged"]
# Lists of codes the desk keeps, shown by their names instead (the walk found ["hkb","ldht","zp"] on the page).
NAMED = {"matters": "适用事项", "present": "已带材料", "missing": "缺少材料", "not_applicable": "不适用材料"}


@admin.register(PreReview)
class PreReviewAdmin(HallScoped, ReadOnly, admin.ModelAdmin):
    """The guide desk's findings, shown: the desk writes them, with their events; nobody edits or deletes them here."""

    list_display = ["id", "hall", "matter", "bundle", "verdict", "channel", "ticket", "created_at"]
    list_filter = [("hall", admin.RelatedOnlyFieldListFilter), "verdict", "channel"]
    # Not the machinery: the request's key and fingerprint (repeat protection) and the raw version and judgement
    # maps the desk keeps for the window (the materials present and missing say the same in words).
    exclude = [*INTERNAL, *NAMED, "reviewed_by"]
    readonly_fields = [
        *(f.name for f in PreReview._meta.fields if f.name not in [*INTERNAL, *NAMED, "reviewed_by"]),
        "matter_names",
        "present_names",
        "missing_names",
        "not_applicable_names",
        "reviewer",
    ]

    @admin.display(description=NAMED["matters"])
    def matter_names(self, obj):
        names = dict(Matter.objects.filter(code__in=obj.matters or []).values_list("code", "name"))
        return "、".join(names.get(code, code) for code in obj.matters or []) or "—"

    def _materials(self, codes) -> str:
        names = dict(Material.objects.filter(code__in=codes or []).values_list("code", "name"))
        return "、".join(names.get(code, code) for code in codes or []) or "—"

    @admin.display(description=NAMED["present"])
    def present_names(self, obj):
        return self._materials(obj.present)

    @admin.display(description=NAMED["missing"])
    def missing_names(self, obj):
        return self._materials(obj.missing)

    @admin.display(description=NAMED["not_applicable"])
    def not_applicable_names(self, obj):
        return self._materials(obj.not_applicable)

    @admin.display(description="预审人")
    def reviewer(self, obj):
        staff = getattr(obj.reviewed_by, "staff", None) if obj.reviewed_by_id else None
        return getattr(staff, "display_name", "") or "—"


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
