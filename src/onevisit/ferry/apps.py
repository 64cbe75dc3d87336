from django.apps import AppConfig


class FerryConfig(AppConfig):
    name = "onevisit.ferry"
    label = "ferry"
    verbose_name = "数据摆渡"

    def ready(self) -> None:
        # The ferry is a known-values source for the merged form and reacts to acceptance and form saves.
        from onevisit.ferry import checks, hooks  # noqa: F401 - checks: the adapters' configuration checks

        hooks.install()
