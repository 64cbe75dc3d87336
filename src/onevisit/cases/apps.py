from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "onevisit.cases"
    label = "cases"
    verbose_name = "受理办件"

    def ready(self):
        from onevisit.cases import services
        from onevisit.core import access
        from onevisit.intake import services as intake

        access.CASE_NUMBERS.append(services.case_numbers)  # the access log names cases by their number
        from onevisit.cases import tolerance
        from onevisit.core import jobs

        jobs.periodic("容缺补交提醒", tolerance.REMIND, minutes=60)  # the day before a 容缺 material is due

        intake.OPEN_CASES.append(
            services.open_cases_of
        )  # the guide desk names a returning citizen's open case
