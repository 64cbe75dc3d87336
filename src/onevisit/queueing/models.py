from django.conf import settings
from django.db import models
from django.db.models import Q

from onevisit.accounts.models import Hall, Window
from onevisit.catalog.models import Matter
from onevisit.core.models import Person


class RequestKeyed(models.Model):
    """A row a client's retry asks for again by its request key (services.request_key), with the request's
    fingerprint (services.request_fingerprint) to refuse the key reused for other content."""

    idempotency_key = models.CharField(
        "请求键", max_length=64, blank=True, default="", help_text="客户端请求键的 SHA-256 摘要，防止重复提交"
    )
    idempotency_fingerprint = models.JSONField(
        "请求指纹", default=dict, blank=True, help_text="各请求字段的带密钥摘要，拒绝同一请求键用于不同内容"
    )

    class Meta:
        abstract = True

    @staticmethod
    def one_per_request_key(name: str) -> models.UniqueConstraint:
        """One row per hall and request key; rows without a key are not constrained."""
        return models.UniqueConstraint(
            fields=["hall", "idempotency_key"], condition=~Q(idempotency_key=""), name=name
        )


class Queue(models.Model):
    """A waiting line in one hall; windows serve one or more queues, a queue serves some matters."""

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="queues", verbose_name="大厅")
    code = models.SlugField("代码", max_length=32)
    name = models.CharField("名称", max_length=50)
    prefix = models.CharField("票号前缀", max_length=2, help_text="票号前缀，如 A")
    matters = models.ManyToManyField(Matter, related_name="queues", blank=True, verbose_name="办理事项")
    windows = models.ManyToManyField(Window, related_name="queues", blank=True, verbose_name="服务窗口")
    max_recalls = models.PositiveSmallIntegerField(
        "最多重呼次数", default=2, help_text="重呼几次仍未到即记为过号"
    )
    service_minutes = models.PositiveSmallIntegerField(
        "默认办理时长(分钟)", default=12, help_text="估算等候时间用的默认办理时长(分钟)"
    )

    class Meta:
        verbose_name = verbose_name_plural = "队列"
        ordering = ["hall", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "code"], name="queue_code_per_hall"),
            models.UniqueConstraint(fields=["hall", "prefix"], name="queue_prefix_per_hall"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.name}"

    @property
    def event_ref(self) -> str:
        return self.code


class TicketCounter(models.Model):
    """The last sequence number given out per queue per service day; locked while a number is taken."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, verbose_name="队列")
    service_day = models.DateField("服务日")
    last = models.PositiveIntegerField("最后票号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "票号计数器"
        constraints = [
            models.UniqueConstraint(fields=["queue", "service_day"], name="one_counter_per_queue_day")
        ]


class Ticket(RequestKeyed):
    class Status(models.TextChoices):
        WAITING = "waiting", "等候中"
        CALLED = "called", "已叫号"
        SERVED = "served", "已受理"
        NO_SHOW = "no_show", "过号"

    class PriorityClass(models.TextChoices):
        NORMAL = "normal", "普通"
        APPOINTMENT = "appointment", "预约"
        ELDERLY = "elderly", "70岁以上老人"
        DISABILITY = "disability", "残疾人"

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="tickets", verbose_name="大厅")
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="tickets", verbose_name="队列")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="tickets", verbose_name="事项")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets", verbose_name="办事人"
    )
    service_day = models.DateField("服务日")
    seq = models.PositiveIntegerField("序号")
    number = models.CharField("票号", max_length=8)
    token = models.CharField("条码令牌", max_length=16, unique=True)
    priority = models.PositiveSmallIntegerField("优先级", default=0)
    priority_class = models.CharField(
        "优先类别", max_length=16, choices=PriorityClass.choices, default=PriorityClass.NORMAL
    )
    recalls = models.PositiveSmallIntegerField("重呼次数", default=0)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.WAITING)
    issued_at = models.DateTimeField("取号时间")
    called_at = models.DateTimeField("叫号时间", null=True, blank=True)
    called_window = models.ForeignKey(
        Window, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="叫号窗口"
    )
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="叫号人",
    )
    served_at = models.DateTimeField("受理时间", null=True, blank=True)
    # A no-show back after the grace rejoins behind those waiting then: this time orders it instead of issued_at,
    # which stays the arrival (printed on the ticket, kept by a transfer).
    requeued_at = models.DateTimeField("重新排队时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "小票"
        constraints = [
            # Numbers are unique in a hall and day (queue prefixes are); a transferred ticket keeps its number.
            models.UniqueConstraint(fields=["hall", "service_day", "number"], name="one_number_per_hall_day"),
            RequestKeyed.one_per_request_key("one_ticket_per_request_key"),
        ]
        indexes = [
            models.Index(fields=["queue", "service_day", "status", "priority", "issued_at"]),
            models.Index(fields=["hall", "service_day", "number"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def event_ref(self) -> str:
        return str(self.pk)


class WindowState(models.Model):
    """Whether a window is open for calling; a paused window cannot call until it resumes."""

    window = models.OneToOneField(Window, on_delete=models.CASCADE, related_name="state", verbose_name="窗口")
    paused = models.BooleanField("暂停", default=False)
    changed_at = models.DateTimeField("变更时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "窗口状态"


class AppointmentSlot(models.Model):
    """A bookable period of one queue with its capacity."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="slots", verbose_name="队列")
    day = models.DateField("日期")
    start = models.TimeField("开始时间")
    end = models.TimeField("结束时间")
    capacity = models.PositiveSmallIntegerField("可约人数")

    class Meta:
        verbose_name = verbose_name_plural = "预约时段"
        ordering = ["queue", "day", "start"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "day", "start"], name="one_slot_per_queue_start")
        ]

    def __str__(self) -> str:
        return f"{self.queue.name} {self.day} {self.start:%H:%M}-{self.end:%H:%M}"


class SlotTemplate(models.Model):
    """A weekly pattern of appointment slots (周一 9:00-17:00, 60 分钟一段, 每段 4 人) from which slots are generated
    for a date range, skipping holidays and lunch: the hall sets its week once instead of adding slots one by one."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "周一"
        TUESDAY = 1, "周二"
        WEDNESDAY = 2, "周三"
        THURSDAY = 3, "周四"
        FRIDAY = 4, "周五"

    queue = models.ForeignKey(
        Queue, on_delete=models.CASCADE, related_name="slot_templates", verbose_name="队列"
    )
    weekday = models.PositiveSmallIntegerField("星期", choices=Weekday.choices)
    start = models.TimeField("开始时间")
    end = models.TimeField("结束时间")
    minutes = models.PositiveSmallIntegerField("每段分钟数", default=60)
    capacity = models.PositiveSmallIntegerField("每段可约人数", default=4)

    class Meta:
        verbose_name = verbose_name_plural = "预约时段模板"
        ordering = ["queue", "weekday", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "weekday", "start"], name="one_template_per_queue_day_start"
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="template_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(minutes__gt=0, capacity__gt=0), name="template_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.queue.name} {self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "结束时间须晚于开始时间"})
        if (
            self.start
            and self.end
            and self.minutes
            and self.minutes
            > ((self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute))
        ):
            raise ValidationError({"minutes": "每段分钟数不能超过开始到结束的时长"})


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "已预约"
        CHECKED_IN = "checked_in", "已签到"
        CANCELLED = "cancelled", "已取消"

    slot = models.ForeignKey(
        AppointmentSlot, on_delete=models.PROTECT, related_name="appointments", verbose_name="预约时段"
    )
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="+", verbose_name="事项")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="appointments", verbose_name="办事人"
    )
    code = models.CharField("预约码", max_length=12, unique=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.BOOKED)
    booked_at = models.DateTimeField("预约时间")
    ticket = models.OneToOneField(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointment",
        verbose_name="小票",
    )

    class Meta:
        verbose_name = verbose_name_plural = "预约"

    def __str__(self) -> str:
        return f"预约 {self.code}"
