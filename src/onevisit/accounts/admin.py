"""Halls, windows, staff and roles for the IT centre: every label in Chinese, roles by their Chinese names."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission

from onevisit.accounts import roles
from onevisit.accounts.models import Department, Hall, Role, Staff, Window, role_label

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

    def get_fields(self, request, obj=None):
        if obj is not None and obj.name in roles.ALL:
            return ["label", "permissions"]  # a role is read by its Chinese name; its code is not for typing
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return ["label"] if obj is not None and obj.name in roles.ALL else []

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.name not in roles.ALL

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request=request, **kwargs)
        return _labelled(formfield, permission_label) if db_field.name == "permissions" else formfield


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
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
        formfield = super().formfield_for_manytomany(db_field, request=request, **kwargs)
        if db_field.name == "groups":
            return _labelled(formfield, role_label)
        if db_field.name == "user_permissions":
            return _labelled(formfield, permission_label)
        return formfield

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("staff").prefetch_related("groups")
