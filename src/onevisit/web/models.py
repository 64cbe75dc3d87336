"""The counters of the public pages' rate limits: one row per address (a keyed digest) and time window."""

from django.db import models


class RateCount(models.Model):
    key = models.CharField("限流键", max_length=64)
    window = models.BigIntegerField("时间窗")
    count = models.PositiveIntegerField("次数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "访问计数"
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="web_ratecount_once_per_window")
        ]
