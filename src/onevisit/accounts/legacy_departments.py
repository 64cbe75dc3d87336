"""Department names to codes, for the migrations that turned free-text department names into the Department table,
and for the synthetic history (simulators.history), whose catalog snapshot names departments as the seed once did.

The names the seed catalog used get the codes data/catalog/departments.yaml gives them, so a database migrated
from the free-text days and a catalog imported afterwards meet in the same rows. Any other name gets a code made
from its digest, which a later catalog import or the admin can rename."""

from __future__ import annotations

import hashlib

SEED_CODES = {
    "区人力资源和社会保障局": "rsj",
    "区社会保险经办机构": "sbjb",
    "区医疗保障局": "ybj",
    "区市场监督管理局": "scjgj",
    "市市场监督管理局": "scjgj-shi",
    "区税务局": "swj",
    "市住房公积金管理中心": "gjj",
    "市住房公积金管理中心（区管理部）": "gjj-qu",
    "区公安分局": "gaj",
    "公安派出所": "gaj-pcs",
    "区公安分局交通警察大队（车辆管理所）": "gaj-cgs",
    "区不动产登记中心": "bdc",
    "区交通运输局": "jtj",
    "市交通运输局": "jtj-shi",
    "区卫生健康局": "wjj",
    "区卫生健康局（助产机构签发）": "wjj-zc",
    "区卫生健康局（医疗卫生机构签发）": "wjj-yl",
    "社区卫生服务中心（区疾病预防控制中心）": "wjj-cdc",
    "区发展和改革局": "fgj",
    "市公共信用信息中心（市发展和改革委员会）": "xyzx-shi",
    "区园林绿化局": "ylj",
    "区城市管理局": "cgj",
    "区应急管理局": "yjj",
    "区教育局": "jyj",
    "区残疾人联合会": "cl",
    "区民政局": "mzj",
    "区殡仪馆（区民政局）": "mzj-byg",
    "区水务局": "swuj",
    "区消防救援大队": "xfjy",
    "市生态环境局区分局": "sthj",
    "隶属海关": "hg",
    "供水公司": "water",
    "供电公司": "power",
    "燃气公司": "gas",
    "通信运营企业": "telecom",
}
UNNAMED = "未指定部门"


def code_for(name: str) -> str:
    name = name.strip() or UNNAMED
    return SEED_CODES.get(name) or "dept-" + hashlib.sha1(name.encode()).hexdigest()[:10]


def department_for(apps, name: str, cache: dict):
    """The Department row for a free-text name, created on first use (historical models, inside a migration)."""
    name = name.strip() or UNNAMED
    if name not in cache:
        Department = apps.get_model("accounts", "Department")
        cache[name], _ = Department.objects.get_or_create(name=name, defaults={"code": code_for(name)})
    return cache[name]


def move(apps, app: str, model: str, old: str, new: str) -> None:
    """Point each row's `new` foreign key at the department its `old` text named; empty text stays empty when the
    new field allows it."""
    Model = apps.get_model(app, model)
    nullable = Model._meta.get_field(new).null
    cache: dict = {}
    for pk, name in Model.objects.values_list("pk", old).iterator():
        if not (name or "").strip() and nullable:
            continue
        Model.objects.filter(pk=pk).update(**{new: department_for(apps, name or "", cache)})
