"""The ferry's tables: field sets, back ends with their breakers, envelopes (the outbox), manual entries kept
for back-fill, and the audit chain with its head."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from onevisit.accounts.models import Hall
from onevisit.cases.models import Case


class FieldSet(models.Model):
    """A declared minimal field set (最小字段集), versioned: a change is a new version, never an edit."""

    code = models.CharField(max_length=32)
    version = models.PositiveIntegerField()
    label = models.CharField(max_length=64)
    request_fields = models.JSONField(default=list)
    reply_fields = models.JSONField(default=list)
    matters = models.JSONField(default=list, help_text="matter codes whose cases may use this set")
    checks = models.JSONField(default=list)
    fills = models.JSONField(default=dict, blank=True, help_text="reply field → the form field it also fills")
    loaded_at = models.DateTimeField()

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

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=64)
    style = models.CharField(max_length=8, choices=Style.choices)
    address = models.CharField(max_length=255)
    field_sets = models.JSONField(
        default=list, help_text="allowlist: field-set codes it may receive and return"
    )
    timeout_seconds = models.FloatField(default=3.0)
    breaker = models.CharField(max_length=12, choices=Breaker.choices, default=Breaker.CLOSED)
    held = models.BooleanField(default=False, help_text="opened by hand: stays open until closed by hand")
    failures = models.PositiveIntegerField(default=0, help_text="consecutive failed deliveries")
    opened_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

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

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    idempotency_key = models.CharField(max_length=100, unique=True)
    hall = models.ForeignKey(Hall, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="envelopes")
    backend = models.ForeignKey(Backend, on_delete=models.PROTECT, related_name="envelopes")
    field_set = models.ForeignKey(FieldSet, on_delete=models.PROTECT, related_name="envelopes")
    operation = models.CharField(max_length=8, choices=Operation.choices, default=Operation.QUERY)
    request_sealed = models.TextField(
        help_text="the signed wire request, encrypted (it carries a resident ID)"
    )
    content_digest = models.CharField(max_length=64, help_text="SHA-256 of the canonical request")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    reply_status = models.CharField(max_length=12, blank=True)
    reply_sealed = models.TextField(blank=True)
    error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

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

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="manual_entries")
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="+")
    field_set = models.ForeignKey(FieldSet, on_delete=models.PROTECT, related_name="+")
    backend = models.ForeignKey(Backend, on_delete=models.PROTECT, related_name="manual_entries")
    values_sealed = models.TextField()
    fields = models.JSONField(default=list)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField()
    envelope = models.OneToOneField(Envelope, on_delete=models.PROTECT, related_name="manual_entry")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    mismatches = models.JSONField(default=list, help_text="fields whose back-end value differs")
    reconciled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "手工录入补录"
        ordering = ["-entered_at"]


class AuditRecord(models.Model):
    """One link of the audit chain: hash = SHA-256(prev_hash + canonical record). Never updated or deleted."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    kind = models.CharField(max_length=16)
    backend = models.CharField(max_length=32, blank=True)
    envelope = models.CharField(max_length=36, blank=True)
    field_set = models.CharField(max_length=40, blank=True)
    actor = models.CharField(max_length=150, blank=True)
    detail = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "摆渡审计记录"
        ordering = ["seq"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("audit records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit records are append-only")


class AuditHead(models.Model):
    """The chain's tip, one row: appenders lock it so links are made one at a time, in every process."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)


class AuditVerification(models.Model):
    """The outcome of each `onevisit audit verify` run, shown to the information centre."""

    at = models.DateTimeField()
    ok = models.BooleanField()
    checked = models.PositiveIntegerField()
    checkpoints = models.PositiveIntegerField(default=0)
    first_broken = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-at"]
