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
        max_length=64, blank=True, default="", help_text="SHA-256 of the client's whole request key"
    )
    idempotency_fingerprint = models.JSONField(
        default=dict,
        blank=True,
        help_text="keyed digest per request field, to refuse a key reused for other content",
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

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="queues")
    code = models.SlugField(max_length=32)
    name = models.CharField(max_length=50)
    prefix = models.CharField(max_length=2, help_text="票号前缀，如 A")
    matters = models.ManyToManyField(Matter, related_name="queues", blank=True)
    windows = models.ManyToManyField(Window, related_name="queues", blank=True)
    max_recalls = models.PositiveSmallIntegerField(default=2, help_text="重呼几次仍未到即记为过号")
    service_minutes = models.PositiveSmallIntegerField(
        default=12, help_text="估算等候时间用的默认办理时长(分钟)"
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

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE)
    service_day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
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

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="tickets")
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="tickets")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="tickets")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    service_day = models.DateField()
    seq = models.PositiveIntegerField()
    number = models.CharField(max_length=8)
    token = models.CharField(max_length=16, unique=True)
    priority = models.PositiveSmallIntegerField(default=0)
    priority_class = models.CharField(
        max_length=16, choices=PriorityClass.choices, default=PriorityClass.NORMAL
    )
    recalls = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    issued_at = models.DateTimeField()
    called_at = models.DateTimeField(null=True, blank=True)
    called_window = models.ForeignKey(
        Window, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    served_at = models.DateTimeField(null=True, blank=True)
    # A no-show back after the grace rejoins behind those waiting then: this time orders it instead of issued_at,
    # which stays the arrival (printed on the ticket, kept by a transfer).
    requeued_at = models.DateTimeField(null=True, blank=True)

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

    window = models.OneToOneField(Window, on_delete=models.CASCADE, related_name="state")
    paused = models.BooleanField(default=False)
    changed_at = models.DateTimeField(null=True, blank=True)


class AppointmentSlot(models.Model):
    """A bookable period of one queue with its capacity."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="slots")
    day = models.DateField()
    start = models.TimeField()
    end = models.TimeField()
    capacity = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = verbose_name_plural = "预约时段"
        ordering = ["queue", "day", "start"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "day", "start"], name="one_slot_per_queue_start")
        ]

    def __str__(self) -> str:
        return f"{self.queue.name} {self.day} {self.start:%H:%M}-{self.end:%H:%M}"


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "已预约"
        CHECKED_IN = "checked_in", "已签到"
        CANCELLED = "cancelled", "已取消"

    slot = models.ForeignKey(AppointmentSlot, on_delete=models.PROTECT, related_name="appointments")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="appointments")
    code = models.CharField(max_length=12, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    booked_at = models.DateTimeField()
    ticket = models.OneToOneField(
        Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="appointment"
    )

    class Meta:
        verbose_name = verbose_name_plural = "预约"
