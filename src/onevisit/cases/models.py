from django.conf import settings
from django.db import models

from onevisit.accounts.models import Hall, Window
from onevisit.catalog.models import Matter
from onevisit.core import clock
from onevisit.core.models import Person
from onevisit.queueing.models import Ticket


class Case(models.Model):
    """办件: what the citizen applied for, accepted at a window, with one item per matter."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "已受理"
        COMPLETED = "completed", "已办结"

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="cases")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="cases", help_text="主事项")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    window = models.ForeignKey(Window, on_delete=models.PROTECT, related_name="cases")
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACCEPTED)
    accepted_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

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
    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="visit")
    window = models.ForeignKey(Window, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="visit_seq_per_case")]

    @property
    def event_ref(self) -> str:
        return str(self.pk)
