"""Halls, windows, staff and roles for the IT centre: every label in Chinese, roles by their Chinese names."""

import logging

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import formats, timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from onevisit.accounts import duties, roles, signin
from onevisit.accounts.models import (
    Department,
    Hall,
    Role,
    SecondFactorDevice,
    SignIn,
    SignInFailure,
    SignInLockout,
    Staff,
    Window,
    role_label,
)
from onevisit.core import notify
from onevisit.core.models import Notification

log = logging.getLogger("onevisit.signin")

# Tables of libraries, shown (when at all) through the proxies in accounts.models, never picked by their own names.
THIRD_PARTY_APPS = ("axes", "otp_totp", "django_otp", "admin", "sessions", "contenttypes")
ACTIONS = {"add": "添加", "change": "修改", "delete": "删除", "view": "查看"}


def permission_label(permission: Permission) -> str:
    """“事项目录 | 事项 | 修改事项” instead of the stored English “Can change 事项”."""
    model = permission.content_type.model_class()
    if model is None:
        return permission.name
    action = ACTIONS.get(permission.codename.partition("_")[0], "")
    app = model._meta.app_config.verbose_name
    name = model._meta.verbose_name
    return f"{app} | {name} | {action}{name}" if action else f"{app} | {name} | {permission.name}"


def _labelled(formfield, label_of):
    """The same picker, its options read by their Chinese names (the choices are rendered lazily, through this)."""
    if formfield is not None:
        formfield.label_from_instance = label_of
    return formfield


def admin_hall(request) -> Hall | None:
    """The hall an admin user works in (their staff record's); None for an IT-centre account with no hall."""
    if not hasattr(request, "_admin_hall"):
        member = Staff.objects.select_related("hall").filter(user=request.user).first()
        request._admin_hall = member.hall if member is not None else None
    return request._admin_hall


def in_hall(queryset, hall: Hall):
    """Rows of `queryset` that belong to `hall`: the hall itself, or rows with a `hall` field pointing at it."""
    model = queryset.model
    if issubclass(model, Hall):
        return queryset.filter(pk=hall.pk)
    if any(f.name == "hall" for f in model._meta.concrete_fields):
        return queryset.filter(hall=hall)
    return queryset


class ReadOnly:
    """Mixin for an admin (or inline) that shows rows and never writes them: they change through the services,
    which record events, or come from files."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HallScoped:
    """For admins (and inlines) of a hall's records: a staff member sees and picks only their own hall's rows —
    its windows, queues, printers, the hall itself. `hall_path` says how a row reaches its hall ("" for Hall).
    Pickers whose options belong to other halls (compare_halls: the halls an analyst may compare with) opt out."""

    hall_path: str | None = "hall"
    unscoped_pickers: tuple[str, ...] = ()

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        hall = admin_hall(request)
        if hall is None or self.hall_path is None:
            return qs
        return qs.filter(pk=hall.pk) if self.hall_path == "" else qs.filter(**{self.hall_path: hall})

    def get_field_queryset(self, db, db_field, request):
        qs = super().get_field_queryset(db, db_field, request)
        hall = admin_hall(request)
        if hall is None or db_field.name in self.unscoped_pickers:
            return qs
        if qs is None:
            qs = db_field.remote_field.model._default_manager.using(db).all()
        return in_hall(qs, hall)


class WindowInline(HallScoped, admin.TabularInline):
    model = Window
    extra = 0


@admin.register(Hall)
class HallAdmin(HallScoped, admin.ModelAdmin):
    hall_path = ""
    list_display = ["code", "name", "timezone"]
    inlines = [WindowInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    """Departments are shared by every hall (the catalog's matters and tasks name them); usually loaded with the
    catalog files, edited here when one is renamed or a new one joins."""

    list_display = ["code", "name", "parent"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]


@admin.register(Staff)
class StaffAdmin(HallScoped, admin.ModelAdmin):
    list_display = ["display_name", "user", "hall", "window", "department", "role_names"]
    list_filter = [
        ("hall", admin.RelatedOnlyFieldListFilter),
        ("department", admin.RelatedOnlyFieldListFilter),
    ]
    unscoped_pickers = ("compare_halls",)
    filter_horizontal = ["compare_halls"]

    @admin.display(description="角色")
    def role_names(self, obj):
        return "、".join(role_label(g) for g in obj.user.groups.order_by("name")) or "—"

    # 三员分立: the system administrator keeps the hall's staff, not the other two administrators. Their profiles
    # (which hall they audit, which login is theirs) are read-only here, and their logins are not offered for a
    # new profile; only a superuser, the installation's first account, sets them up.
    def _guarded(self, request, obj) -> bool:
        return (
            obj is not None
            and not request.user.is_superuser
            and (obj.user.is_superuser or obj.user.groups.filter(name__in=GUARDED_ROLES).exists())
        )

    def has_change_permission(self, request, obj=None):
        return not self._guarded(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._guarded(request, obj) and super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        if not request.user.is_superuser and (
            queryset.filter(user__is_superuser=True).exists()
            or queryset.filter(user__groups__name__in=GUARDED_ROLES).exists()
        ):
            raise PermissionDenied("三员分立：安全管理员、审计管理员的人员信息只能查看")
        super().delete_queryset(request, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "user" and not request.user.is_superuser:
            field.queryset = field.queryset.exclude(groups__name__in=GUARDED_ROLES).exclude(is_superuser=True)
        return field


# The administrators whose staff profiles the system administrator may only read.
GUARDED_ROLES = (roles.SECURITY_ADMIN, roles.AUDITOR)


class RoleFilter(admin.SimpleListFilter):
    title = "角色"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(g.pk, role_label(g)) for g in Group.objects.order_by("name")]

    def queryset(self, request, queryset):
        return queryset.filter(groups__pk=self.value()) if self.value() else queryset


admin.site.unregister(Group)


@admin.register(Role)
class RoleAdmin(GroupAdmin):
    """The roles the code checks are fixed: their names (codes) cannot be changed here, only who holds them."""

    list_display = ["label", "members"]

    @admin.display(description="角色", ordering="name")
    def label(self, obj):
        return role_label(obj)

    @admin.display(description="人数")
    def members(self, obj):
        return obj.user_set.count()

    def _fields(self, request, obj=None):
        if obj is not None and obj.name in roles.ALL:
            return ["label", "permissions"]  # a role is read by its Chinese name; its code is not for typing
        return super().get_fields(request, obj)

    def get_fields(self, request, obj=None):
        if self._fixed(request, obj):
            return ["label", "fixed_permissions"]
        return self._fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if self._fixed(request, obj):
            return ["label", "fixed_permissions"]  # 三员分立: fixed in accounts.duties, not granted here
        return ["label"] if obj is not None and obj.name in roles.ALL else []

    @staticmethod
    def _fixed(request, obj) -> bool:
        return obj is not None and obj.name in duties.THREE and not request.user.is_superuser

    @admin.display(description="权限")
    def fixed_permissions(self, obj):
        held = obj.permissions.select_related("content_type").order_by("content_type__app_label", "codename")
        return "；".join(permission_label(p) for p in held) or "—"

    def has_delete_permission(self, request, obj=None):
        # The user's own permission first (without it the index showed a dead 角色 row); a fixed role never goes.
        return super().has_delete_permission(request, obj) and (obj is None or obj.name not in roles.ALL)

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "permissions":  # the product's own tables; sign-in records are under accounts
            kwargs["queryset"] = Permission.objects.exclude(
                content_type__app_label__in=THIRD_PARTY_APPS
            ).select_related("content_type")
        formfield = super().formfield_for_manytomany(db_field, request=request, **kwargs)
        return _labelled(formfield, permission_label) if db_field.name == "permissions" else formfield


User = get_user_model()
admin.site.unregister(User)


class RoleCheckedUserForm(UserChangeForm):
    """The account's roles, refused when they would make one person two of the three administrators (三员分立)."""

    def clean(self):
        cleaned = super().clean()
        groups = cleaned.get("groups")
        if groups is not None:
            try:
                duties.check_roles(g.name for g in groups)
            except ValidationError as exc:
                self.add_error("groups", exc.message_dict["groups"])
        return cleaned


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Accounts and their roles: the security administrator's (安全管理员). Only a superuser sets superuser status or
    per-account permissions, and only a superuser changes a superuser's account."""

    form = RoleCheckedUserForm
    list_display = ["username", "staff_name", "role_names", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", RoleFilter]

    @admin.display(description="姓名")
    def staff_name(self, obj):
        member = getattr(obj, "staff", None)
        return member.display_name if member is not None else "—"

    @admin.display(description="角色")
    def role_names(self, obj):
        return "、".join(role_label(g) for g in obj.groups.all()) or "—"

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "user_permissions":
            kwargs["queryset"] = Permission.objects.exclude(
                content_type__app_label__in=THIRD_PARTY_APPS
            ).select_related("content_type")
        formfield = super().formfield_for_manytomany(db_field, request=request, **kwargs)
        if db_field.name == "groups":
            return _labelled(formfield, role_label)
        if db_field.name == "user_permissions":
            return _labelled(formfield, permission_label)
        return formfield

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("staff").prefetch_related("groups")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions", "last_login", "date_joined"]
        return fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


# ---- sign-in records and second-factor devices (三员分立: the security administrator unlocks and resets; the audit
# administrator reads) --------------------------------------------------------------------------------------------

for _model in (AccessAttempt, AccessFailureLog, AccessLog, TOTPDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)  # their own admins are in English and show the TOTP key


class SignInRecordAdmin(ReadOnly, admin.ModelAdmin):
    """Read-only lists of django-axes' records, every column named in Chinese."""

    search_fields = ["username", "ip_address"]

    @admin.display(description="登录名", ordering="username")
    def login_name(self, obj):
        return obj.username or "—"

    @admin.display(description="地址", ordering="ip_address")
    def address(self, obj):
        return obj.ip_address or "—"

    @admin.display(description="时间", ordering="attempt_time")
    def at(self, obj):
        return formats.localize(timezone.localtime(obj.attempt_time))


@admin.register(SignInLockout)
class SignInLockoutAdmin(SignInRecordAdmin):
    """解除锁定 lifts at once what a row is locked by (its login name's counts, or its address's); otherwise the
    lockout lifts by itself. A row that is not locked is left alone."""

    list_display = ["login_name", "address", "failures", "at", "state"]
    fields = readonly_fields = ["login_name", "address", "failures", "at", "state"]
    actions = ["unlock"]

    @admin.display(description="失败次数", ordering="failures_since_start")
    def failures(self, obj):
        return obj.failures_since_start

    def get_changelist_instance(self, request):
        """The page's rows with their lockouts read in one query (signin.lockouts), not one per row."""
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        found = signin.lockouts([(row.username, row.ip_address) for row in rows])
        for row in rows:
            row.lockout = found[(row.username, row.ip_address)]
        changelist.result_list = rows
        return changelist

    @admin.display(description="状态")
    def state(self, obj):
        """Locked by its login name, its address or both, as the sign-in decides (accounts.signin.lockouts)."""
        state = obj.lockout if hasattr(obj, "lockout") else signin.lockout_of(obj.username, obj.ip_address)
        if not state.until:
            return state.label
        return f"{state.label}，{formats.time_format(timezone.localtime(state.until), 'H:i')} 自动解除"

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("accounts.delete_signinlockout")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="解除锁定", permissions=["delete"])
    def unlock(self, request, queryset):
        done = signin.unlock(queryset)
        if not done.locked_rows:
            self.message_user(
                request, f"所选的 {done.other_rows} 条记录都未锁定，没有需要解除的锁定。", messages.WARNING
            )
            return
        freed = [f"账号 {name}" for name in done.names] + [f"地址 {address}" for address in done.addresses]
        log.info(
            "unlocked by %s: login names %s; addresses %s",
            request.user.get_username(),
            ", ".join(done.names) or "-",
            ", ".join(done.addresses) or "-",
        )
        message = f"已解除 {done.locked_rows} 条记录的锁定：{'、'.join(freed)}"
        if done.other_rows:
            message += f"；另有 {done.other_rows} 条记录未锁定，未作改动"
        self.message_user(request, message + "。", messages.SUCCESS)


@admin.register(SignInFailure)
class SignInFailureAdmin(SignInRecordAdmin):
    list_display = ["login_name", "address", "at", "locked"]
    fields = readonly_fields = ["login_name", "address", "at", "locked"]

    @admin.display(description="触发锁定", boolean=True)
    def locked(self, obj):
        return obj.locked_out


@admin.register(SignIn)
class SignInAdmin(SignInRecordAdmin):
    list_display = ["login_name", "address", "at", "signed_out"]
    fields = readonly_fields = ["login_name", "address", "at", "signed_out"]

    @admin.display(description="退出时间", ordering="logout_time")
    def signed_out(self, obj):
        return formats.localize(timezone.localtime(obj.logout_time)) if obj.logout_time else "—"


@admin.register(SecondFactorDevice)
class SecondFactorDeviceAdmin(ReadOnly, admin.ModelAdmin):
    """A lost phone: delete its device and the staff member enrols a new one at the next sign-in. The key is
    never shown."""

    list_display = ["account", "enrolled", "last_used"]
    fields = readonly_fields = ["account", "enrolled", "last_used"]
    search_fields = ["user__username"]

    @admin.display(description="登录账号", ordering="user__username")
    def account(self, obj):
        return obj.user.get_username()

    @admin.display(description="已绑定", boolean=True)
    def enrolled(self, obj):
        return obj.confirmed

    @admin.display(description="最近使用")
    def last_used(self, obj):
        return formats.localize(timezone.localtime(obj.last_used_at)) if obj.last_used_at else "—"

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("accounts.delete_secondfactordevice")


class NotificationKindFilter(admin.SimpleListFilter):
    title = "类别"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return list(notify.KINDS.items())

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnly, admin.ModelAdmin):
    """短信: each message to a citizen's phone and how it went — sent, waiting for its next try (and why the last
    failed), or given up. The number is shown masked and the text not at all (it holds a booking code)."""

    list_display = [
        "created_at",
        "kind_name",
        "phone_masked",
        "status",
        "attempts",
        "next_attempt_at",
        "error",
    ]
    list_filter = ["status", NotificationKindFilter]
    fields = readonly_fields = list_display + ["sent_at", "hall"]

    @admin.display(description="类别", ordering="kind")
    def kind_name(self, obj):
        return obj.get_kind_display()

    def get_queryset(self, request):
        hall = admin_hall(request)
        found = super().get_queryset(request)
        return found if hall is None else found.filter(hall=hall.code)
