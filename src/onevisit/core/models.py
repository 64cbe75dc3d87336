from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from onevisit.core import crypto


class AppendOnlyError(RuntimeError):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    """The ORM's bulk paths refused; the database's triggers (onevisit.core.appendonly) hold raw SQL."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model._meta.db_table} is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model._meta.db_table} is append-only")


class AppendOnly(models.Model):
    """A table of records that are written once: the event log, the data-access log, the ferry's audit chain. A
    row is saved once and never changed or deleted, by the ORM (here) or by raw SQL (the tables' triggers)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.db_table} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self._meta.db_table} is append-only")


class Event(AppendOnly):
    """One fact of the journey. Append-only: the ORM and database triggers refuse updates and deletes.

    References are codes or ids as text, so the log stands on its own when other tables change.
    """

    at = models.DateTimeField("发生时间", db_index=True)
    type = models.CharField("事件类型", max_length=64)
    hall = models.CharField("大厅", max_length=32, blank=True, default="")
    window = models.CharField("窗口", max_length=32, blank=True, default="")
    queue = models.CharField("队列", max_length=32, blank=True, default="")
    matter = models.CharField("事项", max_length=64, blank=True, default="")
    bundle = models.CharField("一件事", max_length=64, blank=True, default="")
    case = models.CharField("办件", max_length=32, blank=True, default="")
    ticket = models.CharField("小票", max_length=32, blank=True, default="")
    visit = models.CharField("到访", max_length=32, blank=True, default="")
    actor = models.CharField("操作人", max_length=150, blank=True, default="")
    data = models.JSONField("数据", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "事件"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["hall", "at"]),
            models.Index(fields=["type", "at"]),
            models.Index(fields=["case"]),
            models.Index(fields=["ticket"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.type}"


class Person(models.Model):
    """A citizen known to the hall. The resident ID is kept sealed and matched by keyed digest only."""

    id_digest = models.CharField("身份号码摘要", max_length=64, unique=True)
    id_sealed = models.TextField("身份号码（加密）")
    id_masked = models.CharField("身份号码（脱敏）", max_length=18)
    name = models.CharField("姓名", max_length=50, blank=True)
    phone_sealed = models.TextField("电话（加密）", blank=True, default="")
    phone_masked = models.CharField("电话（脱敏）", max_length=20, blank=True, default="")
    # 退订: no reminders by SMS (叫号提醒 and the like); what answers the citizen's own request still goes
    sms_opt_out = models.BooleanField("退订短信提醒", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "办事人"
        verbose_name_plural = "办事人"

    def __str__(self) -> str:
        return f"{self.name} {self.id_masked}"

    @property
    def resident_id(self) -> str:
        """The full number, for the data ferry and nothing else; never log or display it."""
        return crypto.unseal(self.id_sealed)

    @property
    def phone(self) -> str:
        return crypto.unseal(self.phone_sealed) if self.phone_sealed else ""

    @property
    def event_ref(self) -> str:
        return f"p{self.pk}"


class PersonName(models.Model):
    """A name the hall held for a citizen from `since`: cases show the name as it was when they were accepted."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names", verbose_name="办事人")
    name = models.CharField("姓名", max_length=50)
    since = models.DateTimeField("启用时间")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="变更人",
    )

    class Meta:
        verbose_name = verbose_name_plural = "办事人姓名变更"
        ordering = ["person", "since", "id"]


class AccessRecord(AppendOnly):
    """One read of a citizen's personal data by staff (who, when, whom, where, why): 等保三级 audit records.

    A hash chain (each row holds the previous row's hash) makes a changed, removed or inserted row visible to
    `onevisit access verify`. The citizen is referred to by the internal id of their Person row, never by a
    number that identifies them outside the hall. Append-only: the ORM refuses updates and deletes."""

    class Kind(models.TextChoices):
        READ = "read", "查看"
        FULL_ID = "full_id", "查看完整证件号码"

    seq = models.BigIntegerField("序号", unique=True)
    at = models.DateTimeField("时间", db_index=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.READ)
    hall = models.CharField("大厅", max_length=32, blank=True, default="")
    staff = models.CharField("工作人员", max_length=150, db_index=True)
    person = models.BigIntegerField("办事人（内部编号）", null=True, blank=True, db_index=True)
    case = models.CharField("办件", max_length=32, blank=True, default="")
    where = models.CharField("页面或接口", max_length=200)
    reason = models.CharField("查阅原因", max_length=200, blank=True, default="")
    prev_hash = models.CharField("前一条摘要", max_length=64)
    hash = models.CharField("摘要", max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "个人信息访问记录"
        ordering = ["seq"]
        indexes = [models.Index(fields=["staff", "at"]), models.Index(fields=["person", "at"])]


class AccessHead(models.Model):
    """The access log's tip, one row: appenders lock it so records are chained one at a time in every process."""

    seq = models.BigIntegerField("序号", default=0)
    hash = models.CharField("摘要", max_length=64, default="0" * 64)

    class Meta:
        verbose_name = verbose_name_plural = "访问记录链头"


class Notification(models.Model):
    """One short message to a citizen's phone, kept until it is delivered or given up (the outbox): the request
    that causes it writes the row, a job sends it (core.notify.deliver), and a failed send is tried again later
    (core.notify.RETRY_DELAYS). The number is kept sealed, and only until the message is done with."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"
        SKIPPED = "skipped", "未发送（超过频率限制）"

    created_at = models.DateTimeField("创建时间", db_index=True)
    hall = models.CharField("大厅", max_length=32, blank=True, default="")
    kind = models.CharField("类别", max_length=40)
    phone_sealed = models.TextField("电话（加密）", blank=True, default="")
    phone_masked = models.CharField("电话（脱敏）", max_length=20)
    phone_digest = models.CharField("电话摘要", max_length=64, db_index=True, blank=True, default="")
    text = models.TextField("内容")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    next_attempt_at = models.DateTimeField("下次发送时间", db_index=True)
    claimed_until = models.DateTimeField("发送中至", null=True, blank=True)
    sent_at = models.DateTimeField("发出时间", null=True, blank=True)
    error = models.CharField("最近一次失败原因", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = verbose_name_plural = "短信"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.phone_masked}"

    def get_kind_display(self) -> str:
        from onevisit.core.notify import KINDS

        return KINDS.get(self.kind, self.kind)

    @property
    def phone(self) -> str:
        return crypto.unseal(self.phone_sealed) if self.phone_sealed else ""
