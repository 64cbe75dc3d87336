"""Demo data: one hall, three windows, four queues for the pilot's social-insurance matters and 退休一件事, demo staff.

The matters themselves come from the seed catalog (`onevisit catalog import data/catalog`).
Idempotent: codes are natural keys, so running it again updates rather than duplicates.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from onevisit.accounts import duties, roles, signin, twofactor
from onevisit.accounts.models import Department, Hall, Staff, Window
from onevisit.accounts.services import ensure_role_groups
from onevisit.catalog.models import Matter
from onevisit.core import clock
from onevisit.intake.models import Printer
from onevisit.queueing import services as queueing
from onevisit.queueing.models import Queue, SlotTemplate

DEMO_PASSWORD = "onevisit-demo"


DESKS = {"daoban": "guide-1", "zizhu": "kiosk-1"}
DEPARTMENTS = {
    "houtai1": "sbjb",
    "houtai2": "rsj",
}  # 区社会保险经办机构, 区人力资源和社会保障局 (department codes)


def _printers(hall: Hall) -> None:
    """Each desk and window prints on a thermal printer at 127.0.0.1:9100 (`onevisit fake-printer`), PDF as backup."""
    desks = [("guide-1", "导引台1"), ("kiosk-1", "自助机1")] + [(code, name) for code, name in WINDOWS]
    for location, name in desks:
        backup, _ = Printer.objects.update_or_create(
            hall=hall,
            code=f"{location}-pdf",
            defaults={"name": f"{name}浏览器打印", "kind": "pdf", "location": f"{location}-backup"},
        )
        Printer.objects.update_or_create(
            hall=hall,
            code=location,
            defaults={
                "name": f"{name}热敏打印机",
                "kind": "escpos",
                "address": "127.0.0.1:9100",
                "location": location,
                "backup": backup,
                "timeout_seconds": 1.0,
            },
        )


def _slots(hall: Hall) -> None:
    """A weekly template per queue (周一至周五 9:00-17:00, hourly, four places each), and the slots it gives for today
    and the next six days (no lunch, weekend or holiday slots)."""
    today = clock.local_date(hall.timezone)
    for queue in Queue.objects.filter(hall=hall):
        for weekday in SlotTemplate.Weekday.values:
            SlotTemplate.objects.update_or_create(
                queue=queue,
                weekday=weekday,
                start=time(9),
                defaults={"end": time(17), "minutes": 60, "capacity": 4},
            )
    queueing.generate_slots(hall=hall, first=today, last=today + timedelta(days=6))


class MissingCatalog(LookupError):
    """The demo hall serves seed-catalog matters; import the catalog first."""


WINDOWS = [("w1", "1号窗口"), ("w2", "2号窗口"), ("w3", "3号综合窗口")]
QUEUES = [
    ("cbdj", "参保登记", "A", ["cbdj"], ["w1", "w3"]),
    ("gxzy", "关系转移", "B", ["gxzy"], ["w1", "w2", "w3"]),
    ("jfhd", "缴费核定", "C", ["jfhd"], ["w2", "w3"]),
    # 退休一件事 at the comprehensive window (and window 1): its key matter and the approval it starts from (综合窗口一口受理).
    ("tx", "退休一件事", "D", ["retire-pension-claim", "retire-approval"], ["w1", "w3"]),
]
STAFF = [
    ("daoban", "导办 王芳", [roles.GUIDE], None),
    ("chuangkou1", "窗口 李强", [roles.CLERK], "w1"),
    ("chuangkou2", "窗口 赵敏", [roles.CLERK], "w2"),
    ("chuangkou3", "窗口 陈晨", [roles.CLERK], "w3"),
    ("fenxi", "分析 周洁", [roles.ANALYST], None),
    ("fazhi", "法制 孙立", [roles.LEGAL], None),
    ("zizhu", "自助取号机1", [roles.KIOSK], None),
    ("houtai1", "后台 社保经办", [roles.OFFICE], None),
    ("houtai2", "后台 人社审批", [roles.OFFICE], None),
    ("xinxi", "信息中心 张主任", [roles.IT], None),
    # 三员分立: the system administrator (the hall's set-up), the security administrator (accounts, roles, unlocking)
    # and the audit administrator (sign-in and data-access records) are three people.
    ("admin", "管理员", [roles.HALL_ADMIN], None),
    ("anquan", "安全管理员 钱安", [roles.SECURITY_ADMIN], None),
    ("shenji", "审计管理员 吴审", [roles.AUDITOR], None),
]
# Accounts that sign in to the admin (each of the three sees only its own part there).
ADMIN_LOGINS = ("admin", "anquan", "shenji")
SECOND_FACTOR_LOGINS = tuple(
    username for username, _, names, _ in STAFF if set(names) & signin.SECOND_FACTOR_ROLES
)


def totp_key(username: str) -> str:
    """The demo's known authenticator key of a login (hex, 20 bytes): published like the demo password."""
    return hashlib.sha1(f"onevisit-demo-totp:{username}".encode()).hexdigest()


def totp_secrets() -> dict[str, str]:
    """Each second-factor demo login's key as an authenticator app takes it (base32)."""
    return {
        username: base64.b32encode(bytes.fromhex(totp_key(username))).decode().rstrip("=")
        for username in SECOND_FACTOR_LOGINS
    }


@transaction.atomic
def load(
    hall_code: str = "demo",
    hall_name: str = "示范区政务服务中心",
    address: str = "示范区人民路100号 一楼大厅",
) -> Hall:
    ensure_role_groups()
    duties.grant_admin_permissions()
    wanted = {c for queue in QUEUES for c in queue[3]}
    matters = {m.code: m for m in Matter.objects.filter(code__in=wanted)}
    if set(matters) != wanted:
        raise MissingCatalog(f"matters {', '.join(sorted(wanted - set(matters)))} are not in the catalog")
    hall, _ = Hall.objects.update_or_create(code=hall_code, defaults={"name": hall_name, "address": address})
    windows = {}
    for code, name in WINDOWS:
        windows[code], _ = Window.objects.update_or_create(hall=hall, code=code, defaults={"name": name})
    for code, name, prefix, matter_codes, window_codes in QUEUES:
        queue, _ = Queue.objects.update_or_create(
            hall=hall, code=code, defaults={"name": name, "prefix": prefix}
        )
        queue.matters.set([matters[c] for c in matter_codes])
        queue.windows.set([windows[c] for c in window_codes])
    _printers(hall)
    _slots(hall)
    user_model = get_user_model()
    for username, display, role_names, window_code in STAFF:
        user, created = user_model.objects.get_or_create(username=username)
        if created:
            user.set_password(DEMO_PASSWORD)
        user.is_staff = username in ADMIN_LOGINS
        user.is_superuser = False  # no account holds every power (三员分立)
        user.save()
        user.groups.set(Group.objects.filter(name__in=role_names))
        if username in SECOND_FACTOR_LOGINS and twofactor.confirmed_device(user) is None:
            twofactor.enrol_with_key(user, totp_key(username))
        Staff.objects.update_or_create(
            user=user,
            defaults={
                "hall": hall,
                "display_name": display,
                "window": windows.get(window_code),
                "desk": DESKS.get(username, ""),
                "department": Department.objects.get(code=DEPARTMENTS[username])
                if username in DEPARTMENTS
                else None,
            },
        )
    # The analyst may compare the demo hall with the synthetic history halls, when `make demo` generated them.
    Staff.objects.get(user__username="fenxi").compare_halls.set(Hall.objects.filter(code__startswith="hist"))
    return hall
