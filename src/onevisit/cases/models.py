from django.conf import settings
from django.db import models

from onevisit.accounts.models import Department, Hall, Window
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

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="cases", verbose_name="大厅")
    matter = models.ForeignKey(
        Matter, on_delete=models.PROTECT, related_name="cases", help_text="主事项", verbose_name="事项"
    )
    bundle = models.ForeignKey(
        Bundle, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name="一件事"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name="办事人"
    )
    window = models.ForeignKey(
        Window, on_delete=models.PROTECT, related_name="cases", verbose_name="受理窗口"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="受理人"
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.ACCEPTED)
    accepted_at = models.DateTimeField("受理时间")
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    delivery_method = models.CharField(
        "出件方式",
        max_length=16,
        blank=True,
        help_text="pickup 为窗口领取，mail 为邮寄，electronic 为电子证照",
    )
    tracking_number = models.CharField("邮件单号", max_length=40, blank=True)
    delivered_at = models.DateTimeField("出件时间", null=True, blank=True)

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

    @property
    def title(self) -> str:
        """What the case is called in lists: its bundle (退休一件事) when it is one, else its matter."""
        return self.bundle.name if self.bundle_id else self.matter.name


class CaseItem(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="items", verbose_name="办件")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="+", verbose_name="事项")

    class Meta:
        verbose_name = verbose_name_plural = "办件事项"
        constraints = [models.UniqueConstraint(fields=["case", "matter"], name="one_item_per_matter")]

    def __str__(self) -> str:
        return self.matter.name


class Visit(models.Model):
    """One arrival at the hall for a case; round trips are visits per case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visits", verbose_name="办件")
    ticket = models.OneToOneField(
        Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="visit", verbose_name="小票"
    )
    window = models.ForeignKey(
        Window, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="窗口"
    )
    purpose = models.CharField(
        "目的",
        max_length=16,
        default="accept",
        help_text="accept 为受理，resubmit 为再次到访，supply 为补交，correct 为补正",
    )
    seq = models.PositiveSmallIntegerField("第几次")
    started_at = models.DateTimeField("开始时间")

    class Meta:
        verbose_name = verbose_name_plural = "到访"
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="visit_seq_per_case")]

    def __str__(self) -> str:
        return f"第{self.seq}次到访"

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

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks", verbose_name="办件")
    code = models.SlugField("代码", max_length=64)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="tasks", verbose_name="部门"
    )
    matter = models.ForeignKey(
        Matter, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="事项"
    )
    role = models.CharField("环节", max_length=100, blank=True, help_text="责任环节")
    after = models.JSONField("前置任务", default=list, blank=True)
    time_limit_days = models.PositiveIntegerField("时限(工作日)", default=1)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.WAITING)
    ready_at = models.DateTimeField("可办时间", null=True, blank=True)
    due_at = models.DateTimeField("到期时间", null=True, blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="经办人",
    )
    note = models.TextField("备注", blank=True)

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

    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="verifications", verbose_name="后台任务"
    )
    to_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="verifications", verbose_name="核验部门"
    )
    question = models.CharField("核验事项", max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="发起人"
    )
    requested_at = models.DateTimeField("发起时间")
    answer = models.CharField("答复", max_length=300, blank=True)
    confirmed = models.BooleanField("属实", null=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="答复人",
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
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
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
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

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entries", verbose_name="办件")
    field = models.CharField("字段", max_length=64)
    value = models.TextField("值", help_text="公开字段存明文，个人信息加密存储")
    sealed = models.BooleanField("已加密", default=False)
    source = models.CharField("来源", max_length=8, choices=Source.choices)
    duplicate = models.BooleanField("重复录入", default=False, help_text="系统已知该值，仍由窗口录入")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="录入人",
    )
    entered_at = models.DateTimeField("录入时间")

    class Meta:
        verbose_name = verbose_name_plural = "表单字段值"
        constraints = [models.UniqueConstraint(fields=["case", "field"], name="one_value_per_case_field")]


class Commitment(models.Model):
    """容缺承诺: a tolerable material promised by a date; supplied online, by mail or at the hall."""

    class Status(models.TextChoices):
        OPEN = "open", "待补交"
        SUPPLIED = "supplied", "已补交"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="commitments", verbose_name="办件")
    material = models.CharField("材料", max_length=64)
    name = models.CharField("材料名称", max_length=200)
    due = models.DateField("补交期限")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    supplied_via = models.CharField(
        "补交方式", max_length=16, blank=True, help_text="online 为网上，mail 为邮寄，hall 为到大厅"
    )
    supplied_at = models.DateTimeField("补交时间", null=True, blank=True)
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)  # the SMS before the date, once

    class Meta:
        verbose_name = verbose_name_plural = "容缺承诺"
        constraints = [
            models.UniqueConstraint(fields=["case", "material"], name="one_commitment_per_material")
        ]
