"""Who may do what, where: every page and API call asks here first."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q

from onevisit.accounts import roles
from onevisit.accounts.models import Hall, Staff, Window
from onevisit.core.errors import Forbidden, NotFound
from onevisit.core.events import emit


@dataclass(frozen=True)
class Actor:
    """The signed-in staff member as services see them."""

    staff: Staff
    roles: frozenset[str]
    at: Window | None = None  # the window a page acts at (window_of checked it), for staff not posted to one

    @property
    def hall(self) -> Hall:
        return self.staff.hall

    @property
    def window(self) -> Window | None:
        """The window the actor works at: the one the page acts at (window_of allowed it: their post, or any for
        a hall admin or a clerk without a post), else their post; the API knows no window but the post."""
        return self.at or self.staff.window

    def acting_at(self, window: Window) -> Actor:
        return replace(self, at=window)

    @property
    def user(self):
        return self.staff.user

    @property
    def username(self) -> str:
        return self.staff.user.username

    def has(self, *wanted: str) -> bool:
        """Holds one of the roles. No role implies another (三员分立): the hall administrator runs the hall's
        configuration in the admin and works a window or a desk only with that role as well."""
        return bool(self.roles & set(wanted))


def actor_for(user) -> Actor:
    """The staff record of a signed-in user, or Forbidden (admins of the IT centre have no hall)."""
    if user is None or not user.is_authenticated:
        raise Forbidden("请先登录")
    staff = Staff.objects.select_related("hall", "window", "user").filter(user=user).first()
    if staff is None:
        raise Forbidden("该账号未分配到任何大厅")
    names = frozenset(user.groups.values_list("name", flat=True))
    return Actor(staff=staff, roles=names)


def require(user, *wanted: str) -> Actor:
    """The actor if they hold one of the roles, else Forbidden naming the role."""
    actor = actor_for(user)
    if not actor.has(*wanted):
        labels = "、".join(roles.LABELS[r] for r in wanted)
        raise Forbidden(f"需要以下角色之一：{labels}")
    return actor


def require_role(user, role: str) -> None:
    """For work that is not tied to one hall (the legal section's catalog review): the role alone."""
    if user is None or not user.is_authenticated:
        raise Forbidden("请先登录")
    if not user.groups.filter(name=role).exists():
        raise Forbidden(f"需要角色：{roles.LABELS[role]}")


def window_of(actor: Actor, code: str) -> Window:
    """A window in the actor's own hall; another hall's window is reported as not found."""
    window = Window.objects.filter(hall=actor.hall, code=code, active=True).first()
    if window is None:
        raise NotFound(f"本大厅没有窗口 {code}", field="window")
    own = actor.staff.window_id
    if own is not None and own != window.id and roles.HALL_ADMIN not in actor.roles:
        raise Forbidden(f"您的岗位是{actor.staff.window}，不能在{window.name}操作", field="window")
    return window


def department_scope(actor: Actor, lookup: str = "department") -> Q:
    """The back-office work the actor may see and act on, as a filter on `lookup` (the path from the queried model
    to a department): a hall admin sees every department of the hall, other staff only their own, staff without a
    department nothing. The one place that knows how a staff member's department is stored and matched."""
    if roles.HALL_ADMIN in actor.roles:
        return Q()
    department = actor.staff.department_id
    if department is None:
        return Q(pk__in=[])
    return Q(**{lookup: department})  # by the department row's id: a renamed department keeps its work


def metric_halls(actor: Actor) -> list[Hall]:
    """The halls whose aggregate figures the actor may see: their own, then those they may compare with."""
    return [actor.hall, *actor.staff.compare_halls.exclude(pk=actor.hall.pk).order_by("code")]


def metric_hall(actor: Actor, code: str) -> Hall:
    """A hall for the dashboard: the actor's own (empty code) or one they may compare with; else Forbidden."""
    code = (code or "").strip()
    if not code or code == actor.hall.code:
        return actor.hall
    hall = actor.staff.compare_halls.filter(code=code).first()
    if hall is None:
        raise Forbidden(f"无权查看大厅 {code[:32]} 的指标", field="hall")
    return hall


def display_name(user) -> str:
    """How staff pages name a user: the staff member's display name (法制 孙立), else the login."""
    if user is None:
        return ""
    member = Staff.objects.filter(user=user).only("display_name").first()
    return member.display_name if member is not None else user.get_username()


def windows_of(hall: Hall) -> list[Window]:
    return list(Window.objects.filter(hall=hall, active=True))


def ensure_role_groups() -> None:
    for name in roles.ALL:
        Group.objects.get_or_create(name=name)


def record_window_session(*, user, signed_in: bool) -> None:
    """A clerk posted to a window signs in or out: the window's staffed time (窗口每小时办件量) starts or ends."""
    if user is None or not getattr(user, "is_authenticated", False):
        return
    staff = Staff.objects.select_related("window__hall").filter(user=user, window__isnull=False).first()
    if staff is None or not staff.window.active:
        return
    with transaction.atomic():
        emit(
            "window.signed_in" if signed_in else "window.signed_out",
            hall=staff.window.hall,
            window=staff.window,
            actor=user.username,
        )


def _signed_in(sender, request, user, **kwargs) -> None:
    record_window_session(user=user, signed_in=True)


def _signed_out(sender, request, user, **kwargs) -> None:
    record_window_session(user=user, signed_in=False)
