from django.conf import settings
from django.db import models

from onevisit.accounts.models import Hall
from onevisit.catalog.models import Bundle, Matter
from onevisit.core.models import Person
from onevisit.queueing.models import RequestKeyed, Ticket


class PreReview(RequestKeyed):
    """导引台预审: what the citizen brought, the verdict, and the ticket it led to."""

    class Verdict(models.TextChoices):
        COMPLETE = "complete", "材料齐全"
        TOLERANCE = "tolerance", "容缺受理"
        INCOMPLETE = "incomplete", "材料不齐"

    class Channel(models.TextChoices):
        WINDOW = "window", "窗口办理"
        SELF_SERVICE = "self_service", "自助办理"
        ONLINE_ASSISTED = "online_assisted", "网办辅导"
        NONE = "none", "材料不齐，未分流"

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="prereviews")
    matter = models.ForeignKey(
        Matter, on_delete=models.PROTECT, related_name="prereviews", help_text="办理的(主)事项"
    )
    bundle = models.ForeignKey(
        Bundle, null=True, blank=True, on_delete=models.PROTECT, related_name="prereviews"
    )
    matters = models.JSONField(default=list, help_text="codes of the matters that apply")
    answers = models.JSONField(default=dict, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WINDOW)
    tolerance_due = models.DateField(null=True, blank=True, help_text="容缺材料承诺补交日期")
    commitment_signed = models.BooleanField(default=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="prereviews")
    present = models.JSONField(default=list, help_text="material codes ticked as present")
    missing = models.JSONField(default=list, help_text="material codes missing")
    not_applicable = models.JSONField(
        default=dict, blank=True, help_text="material code → reason staff gave for not applicable (不适用)"
    )
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    ticket = models.OneToOneField(
        Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="prereview"
    )
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "预审"
        constraints = [RequestKeyed.one_per_request_key("one_prereview_per_request_key")]

    def __str__(self) -> str:
        return f"{self.matter} {self.get_verdict_display()}"

    @property
    def event_ref(self) -> str:
        return str(self.pk)


class Consultation(models.Model):
    """咨询: a visitor who only asked a question, recorded for the relative-volume figures."""

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="consultations")
    matter = models.ForeignKey(Matter, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    bundle = models.ForeignKey(Bundle, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()


class Printer(models.Model):
    """A ticket printer at a guide desk, kiosk or window, with the backup its jobs fail over to."""

    class Kind(models.TextChoices):
        ESCPOS = "escpos", "热敏打印机 (ESC/POS, TCP 9100)"
        PDF = "pdf", "PDF (浏览器打印)"

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="printers")
    code = models.SlugField(max_length=32)
    name = models.CharField(max_length=50)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.ESCPOS)
    address = models.CharField(max_length=100, blank=True, help_text="host:port, e.g. 10.0.0.21:9100")
    location = models.SlugField(max_length=32, help_text="guide desk, kiosk or window code it serves")
    backup = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    timeout_seconds = models.FloatField(default=3.0)

    class Meta:
        verbose_name = verbose_name_plural = "打印机"
        constraints = [
            models.UniqueConstraint(fields=["hall", "code"], name="printer_code_per_hall"),
            models.UniqueConstraint(fields=["hall", "location"], name="one_printer_per_location"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def event_ref(self) -> str:
        return self.code

    def clean(self):
        from django.core.exceptions import ValidationError

        from onevisit.core.errors import Invalid
        from onevisit.intake.printing import parse_address

        if self.kind == self.Kind.ESCPOS:
            try:
                parse_address(self.address)
            except Invalid as exc:
                raise ValidationError({"address": exc.message}) from None
        if self.backup_id and self.backup_id == self.pk:
            raise ValidationError({"backup": "备用打印机不能是它自己"})
