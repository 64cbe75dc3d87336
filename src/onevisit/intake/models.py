from django.conf import settings
from django.db import models

from onevisit.accounts.models import Hall
from onevisit.catalog.models import Matter
from onevisit.core.models import Person
from onevisit.queueing.models import Ticket


class PreReview(models.Model):
    """导引台预审: what the citizen brought, the verdict, and the ticket it led to."""

    class Verdict(models.TextChoices):
        COMPLETE = "complete", "材料齐全"
        TOLERANCE = "tolerance", "容缺受理"
        INCOMPLETE = "incomplete", "材料不齐"

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="prereviews")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="prereviews")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="prereviews")
    present = models.JSONField(default=list, help_text="material codes ticked as present")
    missing = models.JSONField(default=list, help_text="material codes missing")
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    ticket = models.OneToOneField(
        Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="prereview"
    )
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "预审"

    def __str__(self) -> str:
        return f"{self.matter} {self.get_verdict_display()}"

    @property
    def event_ref(self) -> str:
        return str(self.pk)
