from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "onevisit.intake"
    label = "intake"
    verbose_name = "导引预审"

    def ready(self) -> None:
        from onevisit.intake import checks  # noqa: F401 - registers the adapters' configuration checks
