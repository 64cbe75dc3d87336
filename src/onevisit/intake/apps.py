from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "onevisit.intake"
    label = "intake"
    verbose_name = "导引预审"
