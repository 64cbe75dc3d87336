"""The ferry's tables: field sets, back ends with their breakers, envelopes (the outbox), manual entries kept
for back-fill, and the audit chain with its head."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from onevisit.accounts.models import Hall
from onevisit.cases.models import Case
from onevisit.core.models import AppendOnly


class FieldSet(models.Model):
    """A declared minimal field set (最小字段集), versioned: a change is a new version, never an edit."""

    code = models.CharField("代码", max_length=32)
    version = models.PositiveIntegerField("版本")
    label = models.CharField("名称", max_length=64)
    request_fields = models.JSONField("请求字段", default=list)
    reply_fields = models.JSONField("答复字段", default=list)
    matters = models.JSONField("适用事项", default=list, help_text="可使用该字段集的事项代码")
    checks = models.JSONField("校验规则", default=list)
    fills = models.JSONField(
        "回填字段", default=dict, blank=True, help_text="答复字段 → 它同时填写的表单字段"
    )
    loaded_at = models.DateTimeField("载入时间")

    class Meta:
        verbose_name = verbose_name_plural = "字段集"
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="field_set_version")]
        ordering = ["code", "-version"]

    def __str__(self) -> str:
        return f"{self.label} v{self.version}"


class Backend(models.Model):
    """A legacy back-end system, its interface, its allowlist, and its circuit breaker."""

    class Style(models.TextChoices):
        SOAP = "soap", "SOAP 1.1 Web Service"
        REST = "rest", "REST/JSON"
        FILES = "files", "文件交换(网闸)"

    class Breaker(models.TextChoices):
        CLOSED = "closed", "正常"
        OPEN = "open", "熔断(手工录入)"
        HALF_OPEN = "half_open", "试探恢复"

    code = models.CharField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64)
    style = models.CharField("接口方式", max_length=8, choices=Style.choices)
    address = models.CharField("地址", max_length=255)
    field_sets = models.JSONField("允许的字段集", default=list, help_text="白名单：可收发的字段集代码")
    timeout_seconds = models.FloatField("超时(秒)", default=3.0)
    breaker = models.CharField("熔断状态", max_length=12, choices=Breaker.choices, default=Breaker.CLOSED)
    held = models.BooleanField("人工熔断", default=False, help_text="人工打开：须人工关闭")
    failures = models.PositiveIntegerField("连续失败次数", default=0, help_text="连续发送失败的次数")
    opened_at = models.DateTimeField("熔断时间", null=True, blank=True)
    last_ok_at = models.DateTimeField("最近成功时间", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=255, blank=True)
    last_error_at = models.DateTimeField("最近错误时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "后端系统"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Envelope(models.Model):
    """One request to a back end, written with the business change and delivered by `onevisit worker`."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        DELIVERED = "delivered", "已送达"
        REFUSED = "refused", "已拒绝"
        DEAD = "dead", "多次失败"

    class Operation(models.TextChoices):
        QUERY = "query", "查询"
        BACKFILL = "backfill", "补录"

    id = models.UUIDField("编号", primary_key=True, default=uuid.uuid4, editable=False)
    idempotency_key = models.CharField("请求键", max_length=100, unique=True)
    hall = models.ForeignKey(
        Hall, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="大厅"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="envelopes", verbose_name="办件"
    )
    backend = models.ForeignKey(
        Backend, on_delete=models.PROTECT, related_name="envelopes", verbose_name="后端系统"
    )
    field_set = models.ForeignKey(
        FieldSet, on_delete=models.PROTECT, related_name="envelopes", verbose_name="字段集"
    )
    operation = models.CharField("操作", max_length=8, choices=Operation.choices, default=Operation.QUERY)
    request_sealed = models.TextField("请求（加密）", help_text="签名后的请求报文，加密存储（含身份号码）")
    content_digest = models.CharField("内容摘要", max_length=64, help_text="规范化请求的 SHA-256 摘要")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间")
    lease_until = models.DateTimeField("租约到期", null=True, blank=True)
    claimed_by = models.CharField("领取进程", max_length=64, blank=True)
    reply_status = models.CharField("答复状态", max_length=12, blank=True)
    reply_sealed = models.TextField("答复（加密）", blank=True)
    error = models.CharField("错误", max_length=255, blank=True)
    created_at = models.DateTimeField("创建时间")
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "摆渡信封"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["case", "field_set"]),
        ]


class ManualEntry(models.Model):
    """Values typed at the window while a back end was down: kept until back-filled and reconciled."""

    class Status(models.TextChoices):
        QUEUED = "queued", "待补录"
        MATCHED = "matched", "一致"
        MISMATCHED = "mismatched", "不一致"
        NOT_FOUND = "not_found", "后端无记录"
        REFUSED = "refused", "补录被拒"

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="manual_entries", verbose_name="办件"
    )
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="+", verbose_name="大厅")
    field_set = models.ForeignKey(FieldSet, on_delete=models.PROTECT, related_name="+", verbose_name="字段集")
    backend = models.ForeignKey(
        Backend, on_delete=models.PROTECT, related_name="manual_entries", verbose_name="后端系统"
    )
    values_sealed = models.TextField("录入值（加密）")
    fields = models.JSONField("字段", default=list)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="录入人"
    )
    entered_at = models.DateTimeField("录入时间")
    envelope = models.OneToOneField(
        Envelope, on_delete=models.PROTECT, related_name="manual_entry", verbose_name="补录信封"
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.QUEUED)
    mismatches = models.JSONField("不一致字段", default=list, help_text="后端值与录入值不同的字段")
    reconciled_at = models.DateTimeField("核对时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "手工录入补录"
        ordering = ["-entered_at"]


class AuditRecord(AppendOnly):
    """One link of the audit chain: hash = SHA-256(prev_hash + canonical record). Never updated or deleted."""

    seq = models.BigIntegerField("序号", unique=True)
    at = models.DateTimeField("时间")
    kind = models.CharField("类型", max_length=16)
    backend = models.CharField("后端系统", max_length=32, blank=True)
    envelope = models.CharField("信封", max_length=36, blank=True)
    field_set = models.CharField("字段集", max_length=40, blank=True)
    actor = models.CharField("操作人", max_length=150, blank=True)
    detail = models.JSONField("详情", default=dict)
    prev_hash = models.CharField("前一条摘要", max_length=64)
    hash = models.CharField("摘要", max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "摆渡审计记录"
        ordering = ["seq"]


class AuditHead(models.Model):
    """The chain's tip, one row: appenders lock it so links are made one at a time, in every process."""

    seq = models.BigIntegerField("序号", default=0)
    hash = models.CharField("摘要", max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "审计链头"


class AuditVerification(AppendOnly):
    """The outcome of each `onevisit audit verify` run, shown to the information centre."""

    at = models.DateTimeField("时间")
    ok = models.BooleanField("完好")
    checked = models.PositiveIntegerField("已校验条数")
    checkpoints = models.PositiveIntegerField("检查点", default=0)
    first_broken = models.BigIntegerField("首个断点", null=True, blank=True)
    reason = models.CharField("原因", max_length=255, blank=True)
    by = models.CharField("校验人", max_length=150, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计链校验"
        ordering = ["-at"]
