from django.conf import settings
from django.db import models

from onevisit.accounts.models import Hall, Window
from onevisit.catalog.models import Bundle, Matter
from onevisit.core import clock
from onevisit.core.models import Person
from onevisit.queueing.models import Ticket


class Case(models.Model):
    """办件: what the citizen applied for, accepted at a window, with one item per matter."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "已受理"
        IN_PROGRESS = "in_progress", "后台办理中"
        RETURNED = "returned", "退回待补正"
        COMPLETED = "completed", "已办结"
        DELIVERED = "delivered", "已出件"

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="cases")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="cases", help_text="主事项")
    bundle = models.ForeignKey(Bundle, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    window = models.ForeignKey(Window, on_delete=models.PROTECT, related_name="cases")
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACCEPTED)
    accepted_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    delivery_method = models.CharField(max_length=16, blank=True, help_text="pickup / mail / electronic")
    tracking_number = models.CharField(max_length=40, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "办件"
        indexes = [models.Index(fields=["hall", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"{clock.localtime(self.accepted_at, self.hall.timezone):%Y%m%d}-{self.pk:06d}"

    @property
    def event_ref(self) -> str:
        return str(self.pk)


class CaseItem(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="items")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "matter"], name="one_item_per_matter")]


class Visit(models.Model):
    """One arrival at the hall for a case; round trips are visits per case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visits")
    ticket = models.OneToOneField(
        Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="visit"
    )
    window = models.ForeignKey(Window, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(
        max_length=16, default="accept", help_text="accept / resubmit / supply / correct"
    )
    seq = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="visit_seq_per_case")]

    @property
    def event_ref(self) -> str:
        return str(self.pk)


class Task(models.Model):
    """A back-office task of a case (后台任务); tasks without a dependency between them run in parallel."""

    class Status(models.TextChoices):
        WAITING = "waiting", "等待前置任务"
        READY = "ready", "待办理"
        ON_HOLD = "on_hold", "核验中"
        DONE = "done", "已通过"
        RETURNED = "returned", "已退件"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    code = models.SlugField(max_length=64)
    department = models.CharField(max_length=100)
    matter = models.ForeignKey(Matter, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=100, blank=True, help_text="责任环节")
    after = models.JSONField(default=list, blank=True)
    time_limit_days = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    ready_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "后台任务"
        ordering = ["case", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="task_code_per_case")]
        indexes = [models.Index(fields=["department", "status", "due_at"])]

    @property
    def event_ref(self) -> str:
        return str(self.pk)


class Verification(models.Model):
    """核验: a question to another department answered in the system, both times kept."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="verifications")
    to_department = models.CharField(max_length=100)
    question = models.CharField(max_length=300)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    answer = models.CharField(max_length=300, blank=True)
    confirmed = models.BooleanField(null=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField("答复期限", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "跨部门核验"
        indexes = [models.Index(fields=["to_department", "answered_at"])]

    def overdue(self, now) -> bool:
        """Past its deadline: still unanswered after it, or answered after it."""
        if self.due_at is None:
            return False
        return (self.answered_at or now) > self.due_at

    @property
    def seconds(self) -> float | None:
        """How long the answer took (None while unanswered)."""
        return (self.answered_at - self.requested_at).total_seconds() if self.answered_at else None


class CaseReturn(models.Model):
    """退件 and its 补正: why a task sent the case back, and how and when it was corrected.

    The reasons are kept here (personal numbers masked), never in an event. `pauses_clock` is the returning task's
    matter's catalog rule at the time of the return: whether its promised time limit stops during 补正."""

    class To(models.TextChoices):
        WINDOW = "window", "退回窗口"
        CITIZEN = "citizen", "退回办事人"

    class Via(models.TextChoices):
        HALL = "hall", "到大厅窗口补正"
        ONLINE = "online", "网上补正"
        MAIL = "mail", "邮寄补正"
        WINDOW = "window", "窗口自行更正"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="returns")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="returns")
    department = models.CharField(max_length=100)
    reasons = models.TextField()
    to = models.CharField(max_length=16, choices=To.choices, default=To.WINDOW)
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    returned_at = models.DateTimeField()
    pauses_clock = models.BooleanField(default=True, help_text="补正期间办理时限暂停计算")
    corrected_at = models.DateTimeField(null=True, blank=True)
    corrected_via = models.CharField(max_length=16, choices=Via.choices, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    paused_seconds = models.PositiveIntegerField(default=0, help_text="各环节时限因补正顺延的秒数")

    class Meta:
        verbose_name = verbose_name_plural = "退件与补正"
        ordering = ["returned_at", "id"]
        indexes = [models.Index(fields=["case", "corrected_at"])]

    @property
    def open(self) -> bool:
        return self.corrected_at is None


class FieldEntry(models.Model):
    """A value of the case's merged form, with where it came from; personal values are stored sealed."""

    class Source(models.TextChoices):
        KNOWN = "known", "已知(免录)"
        TYPED = "typed", "窗口录入"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entries")
    field = models.CharField(max_length=64)
    value = models.TextField(help_text="plain for public fields, sealed (core.crypto) for personal ones")
    sealed = models.BooleanField(default=False)
    source = models.CharField(max_length=8, choices=Source.choices)
    duplicate = models.BooleanField(default=False, help_text="typed although the value was already known")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "表单字段值"
        constraints = [models.UniqueConstraint(fields=["case", "field"], name="one_value_per_case_field")]


class Commitment(models.Model):
    """容缺承诺: a tolerable material promised by a date; supplied online, by mail or at the hall."""

    class Status(models.TextChoices):
        OPEN = "open", "待补交"
        SUPPLIED = "supplied", "已补交"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="commitments")
    material = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    due = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    supplied_via = models.CharField(max_length=16, blank=True, help_text="online / mail / hall")
    supplied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "容缺承诺"
        constraints = [
            models.UniqueConstraint(fields=["case", "material"], name="one_commitment_per_material")
        ]
