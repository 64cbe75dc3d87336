from django.apps import AppConfig


class QueueingConfig(AppConfig):
    name = "onevisit.queueing"
    label = "queueing"
    verbose_name = "排队叫号"
