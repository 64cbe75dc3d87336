"""三员分立 (separation of duties, MLPS level 3): the system administrator (大厅管理) runs the hall's configuration,
the security administrator grants roles and unlocks accounts, the audit administrator reads the records of sign-ins
and data access. No account holds two of the three; what each may do in the admin is fixed here, not edited there."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError

from onevisit.accounts import roles

THREE = (roles.HALL_ADMIN, roles.SECURITY_ADMIN, roles.AUDITOR)

# The product's own tables: the system administrator's (each admin still refuses what only services may change).
PRODUCT_APPS = ("core", "accounts", "catalog", "queueing", "intake", "cases", "ferry", "metrics", "planning")
# Sign-in records (django-axes) and second-factor devices (django-otp).
SIGN_IN_RECORDS = ("accounts.view_signinlockout", "accounts.view_signinfailure", "accounts.view_signin")

# What each of the three may do in the admin, as "app_label.codename"; a "*" codename is every permission of the app.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    # the hall's set-up, and the background jobs (后台任务: Django-Q2's tasks, failures and schedules)
    roles.HALL_ADMIN: (*(f"{app}.*" for app in PRODUCT_APPS), "django_q.*"),
    roles.SECURITY_ADMIN: (
        "auth.add_user",
        "auth.change_user",
        "auth.view_user",
        "auth.view_group",
        "accounts.view_role",
        "accounts.change_role",
        "accounts.view_staff",
        *SIGN_IN_RECORDS,
        "accounts.delete_signinlockout",  # unlock
        "accounts.view_secondfactordevice",
        "accounts.delete_secondfactordevice",  # a lost phone: the staff member enrols a new one at next sign-in
    ),
    roles.AUDITOR: (*SIGN_IN_RECORDS, "core.view_accessrecord"),
}
# Codenames the system administrator never gets even inside the product's apps: the roles are the security
# administrator's to grant (the Role proxy of auth.Group lives in accounts), the data-access log the auditor's.
NOT_FOR_SYSTEM_ADMIN = {
    f"accounts.{action}_{model}"
    for action in ("add", "change", "delete", "view")
    for model in ("role", "signinlockout", "signinfailure", "signin", "secondfactordevice")
} | {
    f"core.{action}_{model}"
    for action in ("add", "change", "delete", "view")
    for model in ("accessrecord", "accesshead")
}


def message(held: set[str]) -> str:
    labels = "、".join(roles.LABELS[r] for r in THREE if r in held)
    return (
        f"三员分立：同一账号不能同时担任{labels}。"
        f"大厅管理（系统管理员）、安全管理员、审计管理员须由不同账号担任。"
    )


def check_roles(names) -> None:
    """ValidationError (Chinese, on the roles field) when the role codes hold two or more of the three."""
    held = set(names) & set(THREE)
    if len(held) > 1:
        raise ValidationError({"groups": message(held)})


def permissions_of(role: str) -> list[Permission]:
    wanted = PERMISSIONS.get(role, ())
    apps_whole = {w.split(".")[0] for w in wanted if w.endswith(".*")}
    exact = {tuple(w.split(".", 1)) for w in wanted if not w.endswith(".*")}
    found = []
    for permission in Permission.objects.select_related("content_type"):
        app, codename = permission.content_type.app_label, permission.codename
        key = f"{app}.{codename}"
        if role == roles.HALL_ADMIN and key in NOT_FOR_SYSTEM_ADMIN:
            continue
        if app in apps_whole or (app, codename) in exact:
            found.append(permission)
    return found


def grant_admin_permissions() -> None:
    """Give each of the three its fixed permissions (after migrate, and when the demo loads)."""
    for role in THREE:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(permissions_of(role))


def user_groups_through():
    return get_user_model().groups.through


def _roles_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """Model-level guard: adding roles (from either side) that would give one account two of the three is
    refused, whatever code does it (the admin shows the same rule as a form error first)."""
    if action != "pre_add" or not pk_set:
        return
    user_model = get_user_model()
    if not reverse:  # user.groups.add(...)
        added = set(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
        check_roles(added | set(instance.groups.values_list("name", flat=True)))
        return
    if instance.name not in THREE:  # group.user_set.add(...)
        return
    for user in user_model.objects.filter(pk__in=pk_set):
        check_roles({instance.name, *user.groups.values_list("name", flat=True)})


def after_migrate(sender, **kwargs) -> None:
    """post_migrate: the role groups and the three's permissions exist once every app's permissions do."""
    from django.contrib.auth.management import create_permissions

    from onevisit.accounts.services import ensure_role_groups

    if sender.label != "accounts":
        return
    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0, using=kwargs.get("using", "default"))
    ensure_role_groups()
    grant_admin_permissions()
