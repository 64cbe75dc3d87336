from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from onevisit.catalog.situations import FieldUse, MaterialSpec

version_tag = RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])$", "版本须为年-月格式，如 2026-11")


class ImmutableError(RuntimeError):
    """A published or superseded checklist version cannot change; edit a new draft instead."""


class Clause(models.Model):
    """条款: the legal text a material rests on, versioned by year-month."""

    code = models.SlugField("代码", max_length=64)
    version = models.CharField("版本", max_length=7, validators=[version_tag])
    title = models.CharField("标题", max_length=200)
    text = models.TextField("条文", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "条款"
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="clause_code_version")]

    def __str__(self) -> str:
        return f"{self.title}（{self.version}版）"

    @property
    def ref(self) -> str:
        return f"{self.code}@{self.version}"


class FieldDefinition(models.Model):
    """字段字典: one canonical field per fact, with the other names departments give it."""

    class Type(models.TextChoices):
        TEXT = "text", "文本"
        DATE = "date", "日期"
        NUMBER = "number", "数字"
        CHOICE = "choice", "选择"
        RESIDENT_ID = "resident_id", "公民身份号码"
        PHONE = "phone", "电话"
        MONEY = "money", "金额"
        ADDRESS = "address", "地址"

    class Sensitivity(models.TextChoices):
        PUBLIC = "public", "公开"
        PERSONAL = "personal", "个人信息"
        SENSITIVE = "sensitive", "敏感个人信息"

    code = models.CharField("代码", max_length=64, unique=True)
    label = models.CharField("名称", max_length=100)
    type = models.CharField("类型", max_length=16, choices=Type.choices, default=Type.TEXT)
    sensitivity = models.CharField(
        "敏感程度", max_length=16, choices=Sensitivity.choices, default=Sensitivity.PERSONAL
    )
    core = models.BooleanField("核心字段", default=False, help_text="身份核心字段：始终放在一表的核心页")
    synonyms = models.JSONField("别名", default=list, blank=True)
    validation = models.JSONField("校验规则", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "字段字典"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.label}（{self.code}）"


CHANNELS = {"window": "窗口办理", "online": "网上办理", "self_service": "自助办理"}  # a matter's channels


class Matter(models.Model):
    """事项: one thing a department handles, e.g. 参保登记."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省级"
        CITY = "city", "市级"
        DISTRICT = "district", "区县级"
        STREET = "street", "街道(乡镇)级"

    code = models.SlugField("代码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=100)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="matters", verbose_name="实施部门"
    )
    level = models.CharField("层级", max_length=16, choices=Level.choices, default=Level.DISTRICT)
    legal_basis = models.TextField("设定依据", blank=True)
    time_limit_days = models.PositiveIntegerField(
        "承诺时限", default=0, help_text="承诺时限(工作日)，0 为即办"
    )
    correction_pauses_clock = models.BooleanField(
        "补正期间暂停计时",
        default=True,
        help_text="退件补正期间承诺时限是否暂停计算（补正完成后各环节时限顺延补正所用时间）",
    )
    channels = models.JSONField(
        "办理渠道", default=list, blank=True, help_text="事项可以在哪些渠道办理：窗口、网上或自助"
    )

    class Meta:
        verbose_name = verbose_name_plural = "事项"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def event_ref(self) -> str:
        return self.code


class MatterField(models.Model):
    """A field of the matter's own form: a canonical field under the matter's own label."""

    matter = models.ForeignKey(
        Matter, on_delete=models.CASCADE, related_name="form_fields", verbose_name="事项"
    )
    field = models.ForeignKey(
        FieldDefinition, on_delete=models.PROTECT, related_name="uses", verbose_name="字段"
    )
    label = models.CharField("本事项的名称", max_length=100)
    required = models.BooleanField("必填", default=True)
    position = models.PositiveIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "事项表单字段"
        ordering = ["matter", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["matter", "field"], name="field_once_per_matter")]

    def __str__(self) -> str:
        return f"{self.matter.name}：{self.label}"

    def spec(self) -> FieldUse:
        return FieldUse(field=self.field.code, label=self.label, required=self.required)


class ChecklistVersion(models.Model):
    """A version of a matter's material checklist. Published versions never change; edits make a new one.

    At most one standing version (已发布) and one temporary change (临时调整) per matter. The temporary change is in
    force up to and including its end date; from the next day the standing version applies again, computed from
    the dates by every read (services.in_force), so nothing has to run at midnight.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交法制审核"
        REJECTED = "rejected", "已退回修改"
        PUBLISHED = "published", "已发布"
        TEMPORARY = "temporary", "临时调整"
        SUPERSEDED = "superseded", "已被替代"

    EDITABLE = (Status.DRAFT, Status.REJECTED)

    matter = models.ForeignKey(
        Matter, on_delete=models.CASCADE, related_name="checklists", verbose_name="事项"
    )
    number = models.PositiveIntegerField("版本号")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    temporary = models.BooleanField("临时调整", default=False, help_text="临时调整：须有备案号和理由")
    ends_on = models.DateField(
        "临时调整截止日期", null=True, blank=True, help_text="含当日；次日起恢复现行版本"
    )
    filing_number = models.CharField("备案号", max_length=64, blank=True, help_text="备案号")
    reason = models.TextField("理由", blank=True)
    source = models.CharField(
        "来源", max_length=16, default="admin", choices=[("admin", "后台编辑"), ("import", "目录导入")]
    )
    content_hash = models.CharField("内容摘要", max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="创建人",
    )
    created_at = models.DateTimeField("创建时间")
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name="起草人",
        help_text="起草、修改或提交过该版本的人；他们都不能发布它（四眼原则）",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="提交人",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="退回人",
    )
    rejected_at = models.DateTimeField("退回时间", null=True, blank=True)
    rejection_reason = models.TextField("退回理由", blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="发布人",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    superseded_at = models.DateTimeField("被替代时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "材料清单版本"
        ordering = ["matter", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "number"], name="checklist_number_per_matter"),
            models.UniqueConstraint(
                fields=["matter"], condition=Q(status="published"), name="one_published_checklist_per_matter"
            ),
            models.UniqueConstraint(
                fields=["matter"], condition=Q(status="temporary"), name="one_temporary_checklist_per_matter"
            ),
            models.CheckConstraint(
                condition=~Q(status="temporary") | Q(ends_on__isnull=False),
                name="temporary_checklist_has_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.matter.name} 第{self.number}版（{self.get_status_display()}）"

    @property
    def editable(self) -> bool:
        return self.status in self.EDITABLE

    def specs(self) -> list[MaterialSpec]:
        return [m.spec() for m in self.materials.select_related("clause")]


class Material(models.Model):
    """材料: one document of a checklist version, with what the window must check about it."""

    checklist = models.ForeignKey(
        ChecklistVersion, on_delete=models.CASCADE, related_name="materials", verbose_name="材料清单版本"
    )
    matter = models.ForeignKey(
        Matter, on_delete=models.CASCADE, related_name="materials", verbose_name="事项"
    )
    code = models.SlugField("代码", max_length=64)
    name = models.CharField("名称", max_length=200)
    original_required = models.BooleanField("须原件", default=False, help_text="是否必须原件")
    electronic_accepted = models.BooleanField("可用电子证照", default=False, help_text="电子证照或截图可用")
    stamp_unit = models.CharField("盖章单位", max_length=100, blank=True, help_text="盖章单位；空为不需盖章")
    copies = models.PositiveSmallIntegerField("份数", default=1)
    tolerable = models.BooleanField("可容缺", default=False, help_text="可容缺：可承诺日后补交")
    shared = models.BooleanField("免提交", default=False, help_text="免提交：大厅通过数据共享获取")
    clause = models.ForeignKey(
        Clause,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="materials",
        verbose_name="依据条款",
    )
    note = models.CharField("备注", max_length=300, blank=True)
    exempt_if = models.CharField(
        "免提供人群",
        max_length=50,
        blank=True,
        help_text="无需提供的人群，如“灵活就业人员”：导引台可据此标记不适用",
    )
    due_working_days = models.PositiveSmallIntegerField(
        "补交时限(工作日)",
        null=True,
        blank=True,
        help_text="容缺时须在几个工作日内补交；空为不限（按大厅上限）",
    )
    position = models.PositiveIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "材料"
        ordering = ["checklist", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "code"], name="material_code_per_checklist")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.checklist_id:
            draft = (
                ChecklistVersion.objects.filter(pk=self.checklist_id, status__in=ChecklistVersion.EDITABLE)
                .values("matter")
                .first()
            )
            if draft is None:
                raise ImmutableError("已发布或已提交的材料清单不能修改，请新建草稿")
            # The matter is the checklist's: the admin's inline sets only the checklist (it was a 500).
            self.matter_id = draft["matter"]
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not self.checklist.editable:
            raise ImmutableError("已发布或已提交的材料清单不能修改，请新建草稿")
        return super().delete(*args, **kwargs)

    @property
    def stamp_required(self) -> bool:
        return bool(self.stamp_unit)

    def spec(self) -> MaterialSpec:
        return MaterialSpec(
            code=self.code,
            name=self.name,
            original=self.original_required,
            electronic=self.electronic_accepted,
            stamp=self.stamp_unit,
            copies=self.copies,
            tolerable=self.tolerable,
            shared=self.shared,
            clause=self.clause.ref if self.clause_id else "",
            note=self.note,
            exempt_if=self.exempt_if,
            due_working_days=self.due_working_days,
        )


class ChecklistCheck(models.Model):
    """The legal section's monthly check of a matter's checklist (月度核查)."""

    class Result(models.TextChoices):
        OK = "ok", "无需调整"
        CHANGES_NEEDED = "changes_needed", "需要调整"

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="checks", verbose_name="事项")
    month = models.CharField("月份", max_length=7, validators=[version_tag])
    checklist = models.ForeignKey(
        ChecklistVersion, on_delete=models.PROTECT, related_name="checks", verbose_name="材料清单版本"
    )
    result = models.CharField("核查结果", max_length=16, choices=Result.choices)
    note = models.TextField("核查意见", blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="核查人"
    )
    checked_at = models.DateTimeField("核查时间")

    class Meta:
        verbose_name = verbose_name_plural = "月度核查"
        ordering = ["-month", "matter"]
        constraints = [models.UniqueConstraint(fields=["matter", "month"], name="one_check_per_matter_month")]

    def __str__(self) -> str:
        return f"{self.matter.name} {self.month} 月度核查（{self.get_result_display()}）"


class Bundle(models.Model):
    """一件事: matters handled together, with situations deciding which matters and materials apply."""

    code = models.SlugField("代码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=100)
    key_matter = models.ForeignKey(
        Matter, on_delete=models.PROTECT, related_name="key_of", verbose_name="关键事项"
    )
    audience = models.CharField("服务对象", max_length=200, blank=True)
    description = models.TextField("说明", blank=True)
    spec = models.JSONField(
        "情形规则", default=dict, help_text="情形问题、各事项的适用条件、材料的增减（由目录导入维护）"
    )
    matters = models.ManyToManyField(
        Matter, through="BundleMatter", related_name="bundles", verbose_name="所含事项"
    )

    class Meta:
        verbose_name = verbose_name_plural = "一件事"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def event_ref(self) -> str:
        return self.code


class BundleMatter(models.Model):
    bundle = models.ForeignKey(
        Bundle, on_delete=models.CASCADE, related_name="members", verbose_name="一件事"
    )
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="+", verbose_name="事项")
    position = models.PositiveIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "一件事所含事项"
        ordering = ["bundle", "position"]
        constraints = [models.UniqueConstraint(fields=["bundle", "matter"], name="matter_once_per_bundle")]

    def __str__(self) -> str:
        return f"{self.bundle.name}：{self.matter.name}"
