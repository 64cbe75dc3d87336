"""Demo data: one hall, three windows, three queues, the pilot's social-insurance matters, demo staff.

Idempotent: codes are natural keys, so running it again updates rather than duplicates.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from onevisit.accounts import roles
from onevisit.accounts.models import Hall, Staff, Window
from onevisit.accounts.services import ensure_role_groups
from onevisit.catalog.models import Material, Matter
from onevisit.queueing.models import Queue

DEMO_PASSWORD = "onevisit-demo"

MATTERS = [
    {
        "code": "cbdj",
        "name": "参保登记",
        "department": "社会保险经办机构",
        "time_limit_days": 0,
        "materials": [
            ("sfz", "居民身份证", True, False),
            ("ldht", "劳动合同或用工证明", False, False),
            ("hkb", "户口簿(首页及本人页)", True, True),
            ("zp", "近期一寸免冠照片", False, True),
        ],
    },
    {
        "code": "gxzy",
        "name": "养老保险关系转移接续",
        "department": "社会保险经办机构",
        "time_limit_days": 15,
        "materials": [
            ("sfz", "居民身份证", True, False),
            ("jfpz", "转出地《基本养老保险参保缴费凭证》", True, False),
            ("sqb", "关系转移接续申请表", False, True),
        ],
    },
    {
        "code": "jfhd",
        "name": "缴费核定",
        "department": "社会保险经办机构",
        "time_limit_days": 0,
        "materials": [
            ("sfz", "居民身份证", True, False),
            ("sbb", "缴费基数申报表(加盖单位公章)", True, False),
            ("gzmx", "上年度工资发放明细", False, True),
        ],
    },
]
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
    ("admin", "管理员", [roles.HALL_ADMIN], None),
]


@transaction.atomic
def load(hall_code: str = "demo", hall_name: str = "示范区政务服务中心") -> Hall:
    ensure_role_groups()
    hall, _ = Hall.objects.update_or_create(code=hall_code, defaults={"name": hall_name})
    matters = {}
    for spec in MATTERS:
        matter, _ = Matter.objects.update_or_create(
            code=spec["code"],
            defaults={k: spec[k] for k in ("name", "department", "time_limit_days")},
        )
        for position, (code, name, original, tolerable) in enumerate(spec["materials"]):
            Material.objects.update_or_create(
                matter=matter,
                code=code,
                defaults={
                    "name": name,
                    "original_required": original,
                    "tolerable": tolerable,
                    "position": position,
                },
            )
        matters[matter.code] = matter
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
