from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "onevisit.planning"
    label = "planning"
    verbose_name = "窗口规划"
