from django.conf import settings
from django.db import models

from onevisit.accounts.models import Hall
from onevisit.catalog.models import Bundle, Matter
from onevisit.core.models import Person
from onevisit.core.verdicts import Verdict
from onevisit.queueing.models import RequestKeyed, Ticket


class PreReview(RequestKeyed):
    """导引台预审: what the citizen brought, the verdict, and the ticket it led to.

    It keeps what it judged (a snapshot): the checklist version of each matter and the resolved materials with
    the desk's state for each. The window, the case file and the notice read that snapshot, never the catalog
    again, so a checklist republished between the desk and the window does not change the case.
    """

    class Channel(models.TextChoices):
        WINDOW = "window", "窗口办理"
        SELF_SERVICE = "self_service", "自助办理"
        ONLINE_ASSISTED = "online_assisted", "网办辅导"
        NONE = "none", "材料不齐，未分流"

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="prereviews", verbose_name="大厅")
    matter = models.ForeignKey(
        Matter,
        on_delete=models.PROTECT,
        related_name="prereviews",
        help_text="办理的(主)事项",
        verbose_name="事项",
    )
    bundle = models.ForeignKey(
        Bundle,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="prereviews",
        verbose_name="一件事",
    )
    matters = models.JSONField("适用事项", default=list, help_text="适用的事项代码")
    answers = models.JSONField("情形回答", default=dict, blank=True)
    channel = models.CharField("分流渠道", max_length=16, choices=Channel.choices, default=Channel.WINDOW)
    tolerance_due = models.DateField("容缺补交日期", null=True, blank=True, help_text="容缺材料承诺补交日期")
    commitment_signed = models.BooleanField("已签容缺承诺", default=False)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="prereviews", verbose_name="办事人"
    )
    present = models.JSONField("已带材料", default=list, help_text="勾选为已带的材料代码")
    missing = models.JSONField("缺少材料", default=list, help_text="缺少的材料代码")
    not_applicable = models.JSONField(
        "不适用材料", default=dict, blank=True, help_text="材料代码 → 工作人员给出的不适用理由"
    )
    verdict = models.CharField("预审结论", max_length=16, choices=Verdict.choices())
    checklists = models.JSONField(
        "材料清单版本", default=dict, blank=True, help_text="事项代码 → 预审所依据的材料清单版本(id)"
    )
    judged = models.JSONField(
        "预审材料",
        default=list,
        blank=True,
        help_text="预审时核对的材料（合并后的清单）及每项结果：已带、容缺、缺、不适用、免提交",
    )
    ticket = models.OneToOneField(
        Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="prereview", verbose_name="小票"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="预审人"
    )
    created_at = models.DateTimeField("预审时间")

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

    hall = models.ForeignKey(
        Hall, on_delete=models.PROTECT, related_name="consultations", verbose_name="大厅"
    )
    matter = models.ForeignKey(
        Matter, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="事项"
    )
    bundle = models.ForeignKey(
        Bundle, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="一件事"
    )
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = verbose_name_plural = "咨询登记"

    def __str__(self) -> str:
        return f"咨询 {self.matter or self.bundle or ''}（{self.created_at:%Y-%m-%d %H:%M}）"


class Printer(models.Model):
    """A ticket printer at a guide desk, kiosk or window, with the backup its jobs fail over to."""

    class Kind(models.TextChoices):
        ESCPOS = "escpos", "热敏打印机 (ESC/POS, TCP 9100)"
        PDF = "pdf", "PDF (浏览器打印)"

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="printers", verbose_name="大厅")
    code = models.SlugField("代码", max_length=32)
    name = models.CharField("名称", max_length=50)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices, default=Kind.ESCPOS)
    address = models.CharField("地址", max_length=100, blank=True, help_text="主机:端口，如 10.0.0.21:9100")
    location = models.SlugField("位置", max_length=32, help_text="所服务的导引台、自助机或窗口编号")
    backup = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="备用打印机"
    )
    timeout_seconds = models.FloatField("超时(秒)", default=3.0)

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
        if self.backup_id and self.hall_id and self.backup.hall_id != self.hall_id:
            raise ValidationError({"backup": f"备用打印机{self.backup}不在本大厅"})
