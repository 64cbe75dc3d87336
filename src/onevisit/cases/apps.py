from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "onevisit.cases"
    label = "cases"
    verbose_name = "受理办件"

    def ready(self):
        from onevisit.cases import services
        from onevisit.intake import services as intake

        intake.OPEN_CASES.append(
            services.open_cases_of
        )  # the guide desk names a returning citizen's open case
