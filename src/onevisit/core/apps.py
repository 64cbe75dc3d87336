from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "onevisit.core"
    label = "core"
    verbose_name = "基础(事件日志与个人信息)"

    def ready(self) -> None:
        from onevisit.core import (
            checks,  # noqa: F401 - registers the adapters' configuration checks
            jobs,
            notify,
        )

        # waiting messages whose next try is due (a retry, or one whose job was lost), every minute
        jobs.periodic("短信重发", notify.DELIVER_DUE, minutes=1)
