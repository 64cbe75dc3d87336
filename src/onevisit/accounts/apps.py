from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "onevisit.accounts"
    label = "accounts"
    verbose_name = "大厅与人员"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from onevisit.accounts import services

        user_logged_in.connect(services._signed_in, dispatch_uid="onevisit-window-signed-in")
        user_logged_out.connect(services._signed_out, dispatch_uid="onevisit-window-signed-out")
