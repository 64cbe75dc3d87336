"""后台任务 in the admin: Django-Q2's lists (done, failed, waiting, on a timer) in Chinese and read-only. Jobs are
handed out by the product and the timers written by `onevisit jobs` (core.jobs), not set up by hand here."""

from django.contrib import admin
from django.utils import formats, timezone
from django_q.models import Failure, OrmQ, Schedule, Success

from onevisit.accounts.admin import ReadOnly
from onevisit.core.models import Notification

for _model in (Success, Failure, Schedule, OrmQ):
    if admin.site.is_registered(_model):
        admin.site.unregister(
            _model
        )  # their own admins are partly in English and edit what the product writes


def _local(value) -> str:
    return formats.localize(timezone.localtime(value)) if value else "—"


class _Named(ReadOnly, admin.ModelAdmin):
    """A task's or a timer's name and the function it runs, as their lists show them."""

    @admin.display(description="名称", ordering="name")
    def job(self, obj):
        return obj.name

    @admin.display(description="函数", ordering="func")
    def function(self, obj):
        return obj.func


class _TaskAdmin(_Named):
    list_display = ["job", "function", "started_at", "stopped_at", "tries"]
    fields = readonly_fields = [
        "job",
        "function",
        "arguments",
        "started_at",
        "stopped_at",
        "tries",
        "outcome",
    ]
    search_fields = ["name", "func"]

    @admin.display(description="参数")
    def arguments(self, obj):
        return ", ".join(str(a) for a in obj.args or ()) or "—"

    @admin.display(description="开始时间", ordering="started")
    def started_at(self, obj):
        return _local(obj.started)

    @admin.display(description="结束时间", ordering="stopped")
    def stopped_at(self, obj):
        return _local(obj.stopped)

    @admin.display(description="执行次数", ordering="attempt_count")
    def tries(self, obj):
        return obj.attempt_count

    @admin.display(description="结果")
    def outcome(self, obj):
        """A message job's result is its status code (core.notify.deliver): shown by its Chinese name."""
        if obj.result is None:
            return "—"
        return dict(Notification.Status.choices).get(str(obj.result), str(obj.result))


@admin.register(Success)
class DoneAdmin(_TaskAdmin):
    pass


@admin.register(Failure)
class FailedAdmin(_TaskAdmin):
    pass


@admin.register(Schedule)
class TimerAdmin(_Named):
    list_display = ["job", "function", "every", "next_at"]
    fields = readonly_fields = list_display

    @admin.display(description="间隔")
    def every(self, obj):
        if obj.schedule_type == Schedule.MINUTES:
            return f"每 {obj.minutes} 分钟"
        return obj.get_schedule_type_display()

    @admin.display(description="下次运行", ordering="next_run")
    def next_at(self, obj):
        return _local(obj.next_run)


@admin.register(OrmQ)
class WaitingAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["job", "function", "locked_until"]
    fields = readonly_fields = list_display

    @admin.display(description="任务")
    def job(self, obj):
        return obj.name()

    @admin.display(description="函数")
    def function(self, obj):
        return obj.func()

    @admin.display(description="锁定至", ordering="lock")
    def locked_until(self, obj):
        return _local(obj.lock)
