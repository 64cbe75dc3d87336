"""Demo data: one hall, three windows, three queues for the pilot's social-insurance matters, demo staff.

The matters themselves come from the seed catalog (`onevisit catalog import data/catalog`).
Idempotent: codes are natural keys, so running it again updates rather than duplicates.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from onevisit.accounts import roles
from onevisit.accounts.models import Hall, Staff, Window
from onevisit.accounts.services import ensure_role_groups
from onevisit.catalog.models import Matter
from onevisit.queueing.models import Queue

DEMO_PASSWORD = "onevisit-demo"


class MissingCatalog(LookupError):
    """The demo hall serves seed-catalog matters; import the catalog first."""


WINDOWS = [("w1", "1号窗口"), ("w2", "2号窗口"), ("w3", "3号综合窗口")]
QUEUES = [
    ("cbdj", "参保登记", "A", ["cbdj"], ["w1", "w3"]),
    ("gxzy", "关系转移", "B", ["gxzy"], ["w1", "w2", "w3"]),
    ("jfhd", "缴费核定", "C", ["jfhd"], ["w2", "w3"]),
]
STAFF = [
    ("daoban", "导办 王芳", [roles.GUIDE], None),
    ("chuangkou1", "窗口 李强", [roles.CLERK], "w1"),
    ("chuangkou2", "窗口 赵敏", [roles.CLERK], "w2"),
    ("chuangkou3", "窗口 陈晨", [roles.CLERK], "w3"),
    ("fenxi", "分析 周洁", [roles.ANALYST], None),
    ("fazhi", "法制 孙立", [roles.LEGAL], None),
    ("admin", "管理员", [roles.HALL_ADMIN], None),
]


@transaction.atomic
def load(hall_code: str = "demo", hall_name: str = "示范区政务服务中心") -> Hall:
    ensure_role_groups()
    wanted = {c for queue in QUEUES for c in queue[3]}
    matters = {m.code: m for m in Matter.objects.filter(code__in=wanted)}
    if set(matters) != wanted:
        raise MissingCatalog(f"matters {', '.join(sorted(wanted - set(matters)))} are not in the catalog")
    hall, _ = Hall.objects.update_or_create(code=hall_code, defaults={"name": hall_name})
    windows = {}
    for code, name in WINDOWS:
        windows[code], _ = Window.objects.update_or_create(hall=hall, code=code, defaults={"name": name})
    for code, name, prefix, matter_codes, window_codes in QUEUES:
        queue, _ = Queue.objects.update_or_create(
            hall=hall, code=code, defaults={"name": name, "prefix": prefix}
        )
        queue.matters.set([matters[c] for c in matter_codes])
        queue.windows.set([windows[c] for c in window_codes])
    user_model = get_user_model()
    for username, display, role_names, window_code in STAFF:
        user, created = user_model.objects.get_or_create(username=username)
        if created:
            user.set_password(DEMO_PASSWORD)
        user.is_staff = user.is_superuser = username == "admin"
        user.save()
        user.groups.set(Group.objects.filter(name__in=role_names))
        Staff.objects.update_or_create(
            user=user,
            defaults={"hall": hall, "display_name": display, "window": windows.get(window_code)},
        )
    return hall
