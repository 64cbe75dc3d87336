from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "onevisit.accounts"
    label = "accounts"
    verbose_name = "大厅与人员"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import m2m_changed, post_migrate

        from onevisit.accounts import duties, services, signin

        user_logged_in.connect(services._signed_in, dispatch_uid="onevisit-window-signed-in")
        user_logged_out.connect(services._signed_out, dispatch_uid="onevisit-window-signed-out")
        user_login_failed.connect(signin._login_failed, dispatch_uid="onevisit-login-failed")
        m2m_changed.connect(
            duties._roles_changed, sender=duties.user_groups_through(), dispatch_uid="onevisit-duties"
        )
        post_migrate.connect(duties.after_migrate, dispatch_uid="onevisit-role-permissions")
