"""Synthetic event history: weeks of guide desk, windows and back office for halls that never existed.

The events have exactly the shapes the services emit: each is checked against its type's declaration
(core.event_types) as emit() checks the services' events, so the indicators, the exports and the benchmarks can
run on months of plausible facts. Reproducible with a seed; no database here:
`generate()` yields `HistoryEvent` tuples in time order, and `onevisit history generate` writes them.

What a day looks like (weekdays only, hall open 9:00-12:00 and 13:30-17:00 local time):

- arrivals per half hour with a morning and an afternoon peak, more on Mondays, a little noise per day;
- a share only asks (consultation.recorded); the others are pre-reviewed at the guide desk: complete,
  tolerance (容缺: tolerable materials promised later) or incomplete (no ticket; most come back a few working
  days later, a second visit), then triaged to a window, to self-service or to online assistance;
- window tickets queue per matter; windows call the highest priority, then the earliest ticket of the queues
  they serve; some citizens are recalled, some never come (no-show); the clerks sign in before opening, pause
  over lunch and sign out after their last service (the staffed hours of 窗口每小时办件量);
- the guide desk marks 劳动合同 not applicable for some 参保登记 citizens (灵活就业人员);
- acceptance opens the case: typed fields (some retyped although known: duplicate entries), tolerance
  commitments, a continuation of a single matter into its bundle (接续受理);
- 即办 matters are completed at the window; the others are handed to the back office at the end of the service
  (their first tasks start then) and worked as a task graph, with
  verifications by other departments taking hours to days, a few returns to the citizen (who comes back and
  resubmits: a further visit) and deliveries after completion;
- over the period the share of incomplete materials and of duplicate entries falls, as a pilot hopes.

Halls are event codes only (hist01, hist02, …); case, ticket, visit and person refs carry the hall's prefix
(h01-c000123) and pre-review and verification numbers live in a high range per hall, so they never meet the ids
of real rows. Events that would fall after the end of the period are left out: cases still open at the end are
open in the history too.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import numpy as np

from onevisit.accounts.legacy_departments import code_for as department_code
from onevisit.catalog.tasks import applying
from onevisit.core import event_types
from onevisit.core import known as sources
from onevisit.core.verdicts import Verdict
from onevisit.queueing.hours import add_working_days

TZ_NAME = "Asia/Shanghai"
HALL_PREFIX = "hist"
MAX_HALLS = 99


class HistoryEvent(NamedTuple):
    """One event as core.Event holds it (without its id); references are codes or ids as text."""

    at: datetime
    type: str
    hall: str
    window: str
    queue: str
    matter: str
    bundle: str
    case: str
    ticket: str
    visit: str
    actor: str
    data: dict[str, Any]


# ---- a snapshot of the seed catalog (data/catalog), the part the history needs --------------------------------


@dataclass(frozen=True)
class MatterSpec:
    department: str
    days: int  # time limit in working days; 0 = 即办, completed at the window
    channels: tuple[str, ...]
    materials: tuple[tuple[str, bool], ...]  # (code, tolerable) the citizen brings; shared ones left out
    fields: tuple[str, ...]


_SI = "区社会保险经办机构"
MATTERS: dict[str, MatterSpec] = {
    "cbdj": MatterSpec(
        _SI,
        0,
        ("window", "online"),
        (("ldht", False), ("hkb", True), ("zp", True)),
        (
            "name",
            "resident_id",
            "phone",
            "gender",
            "address",
            "employer_name",
            "employer_credit_code",
            "employment_start",
            "insurance_types",
        ),
    ),
    "gxzy": MatterSpec(
        _SI,
        15,
        ("window", "online"),
        (("jfpz", False), ("sqb", True)),
        ("name", "resident_id", "phone", "transfer_out_region", "transfer_in_region", "employer_name"),
    ),
    "jfhd": MatterSpec(
        _SI,
        0,
        ("window", "online"),
        (("sbb", False), ("gzmx", True)),
        (
            "name",
            "resident_id",
            "phone",
            "employer_name",
            "employer_credit_code",
            "monthly_wage",
            "contribution_base",
        ),
    ),
    "retire-approval": MatterSpec(
        "区人力资源和社会保障局",
        10,
        ("window", "online"),
        (("rsda", False), ("txsqb", False)),
        (
            "name",
            "resident_id",
            "gender",
            "birth_date",
            "employer_name",
            "employer_credit_code",
            "employment_start",
            "phone",
        ),
    ),
    "retire-pension-claim": MatterSpec(
        _SI,
        15,
        ("window", "online"),
        (("dysl-sqb", False), ("yhk", False)),
        ("name", "resident_id", "phone", "address", "retire_date", "insured_years", "bank_account"),
    ),
    "retire-medins": MatterSpec(
        "区医疗保障局",
        10,
        ("window", "online"),
        (("ybtx-hdb", False),),
        ("name", "resident_id", "phone", "employer_name", "retire_date", "insured_years"),
    ),
    "hf-withdraw-retire": MatterSpec(
        "市住房公积金管理中心（区管理部）",
        3,
        ("window", "online"),
        (("gjj-tqsq", True), ("yhk", False)),
        ("name", "resident_id", "phone", "housing_fund_account", "bank_account"),
    ),
    "birth-medical-cert": MatterSpec(
        "区卫生健康局（助产机构签发）",
        0,
        ("window",),
        (("sfz", False), ("cszm-djb", False), ("mzjksc", True)),
        (
            "child_name",
            "child_gender",
            "child_birth_date",
            "birth_place",
            "father_name",
            "father_resident_id",
            "mother_name",
            "mother_resident_id",
        ),
    ),
    "vaccination-cert": MatterSpec(
        "社区卫生服务中心（区疾病预防控制中心）",
        0,
        ("window", "online"),
        (("sfz", False), ("jzdj", True)),
        ("child_name", "child_gender", "child_birth_date", "name", "phone", "address"),
    ),
    "hukou-birth": MatterSpec(
        "公安派出所",
        0,
        ("window", "online"),
        (("hkb", False), ("sfz", False), ("csdjb", True)),
        (
            "child_name",
            "child_gender",
            "child_birth_date",
            "birth_cert_no",
            "name",
            "resident_id",
            "relationship",
            "hukou_address",
        ),
    ),
    "child-medical-insurance": MatterSpec(
        "区医疗保障局",
        0,
        ("window", "online", "self_service"),
        (("sfz", False), ("jmyb-djb", True)),
        ("child_name", "child_resident_id", "child_birth_date", "name", "phone"),
    ),
    "social-security-card": MatterSpec(
        "区人力资源和社会保障局",
        5,
        ("window", "online", "self_service"),
        (("sfz", False), ("zp", True)),
        ("child_name", "child_resident_id", "name", "resident_id", "phone", "address"),
    ),
    "maternity-benefit": MatterSpec(
        "区医疗保障局",
        15,
        ("window", "online"),
        (("sfz", False), ("sybx-sqb", False), ("fypj", True), ("yhk", False)),
        (
            "name",
            "resident_id",
            "phone",
            "employer_name",
            "employer_credit_code",
            "child_birth_date",
            "bank_account",
        ),
    ),
    "childcare-subsidy": MatterSpec(
        "区卫生健康局",
        20,
        ("window", "online"),
        (("sfz", False), ("yhk", False)),
        (
            "child_name",
            "child_resident_id",
            "child_birth_date",
            "name",
            "resident_id",
            "phone",
            "bank_account",
        ),
    ),
    "power-connection": MatterSpec(
        "供电公司",
        15,
        ("window", "online"),
        (("yd-sqs", True), ("sfz", False)),
        (
            "company_name",
            "employer_credit_code",
            "business_address",
            "project_name",
            "power_capacity",
            "name",
            "phone",
        ),
    ),
    "water-connection": MatterSpec(
        "供水公司",
        10,
        ("window", "online"),
        (("ys-sqb", True), ("sfz", False)),
        ("company_name", "employer_credit_code", "business_address", "project_name", "name", "phone"),
    ),
    "gas-connection": MatterSpec(
        "燃气公司",
        10,
        ("window", "online"),
        (("yq-sqb", True), ("sfz", False), ("yqsb-qd", True)),
        ("company_name", "employer_credit_code", "business_address", "project_name", "name", "phone"),
    ),
    "broadband-connection": MatterSpec(
        "通信运营企业",
        5,
        ("window", "online"),
        (("kd-sqb", True), ("sfz", False)),
        ("company_name", "employer_credit_code", "business_address", "name", "phone"),
    ),
    "business-setup": MatterSpec(
        "区市场监督管理局",
        1,
        ("window", "online", "self_service"),
        (("slsqs", False), ("gszc", False), ("sfz", False), ("zscl", True)),
        (
            "company_name",
            "company_type",
            "business_address",
            "legal_rep_name",
            "registered_capital",
            "business_scope",
            "name",
            "phone",
        ),
    ),
    "food-license": MatterSpec(
        "区市场监督管理局",
        10,
        ("window", "online"),
        (("sfz", False), ("spjy-sqs", False), ("jycs-bjt", False), ("spaq-zd", True)),
        (
            "company_name",
            "employer_credit_code",
            "legal_rep_name",
            "business_address",
            "business_area",
            "food_business_items",
            "phone",
        ),
    ),
    "fire-check": MatterSpec(
        "区消防救援大队",
        0,
        ("window", "online"),
        (("xfjc-sqb", False), ("xf-cns", False), ("sfz", False), ("xf-pmt", False)),
        ("company_name", "business_address", "business_area", "legal_rep_name", "name", "phone"),
    ),
    "signboard": MatterSpec(
        "区城市管理局",
        5,
        ("window", "online"),
        (("zpsz-sqb", False), ("sfz", False), ("zp-xgt", False)),
        ("company_name", "business_address", "signboard_spec", "legal_rep_name", "phone"),
    ),
    "drainage-permit": MatterSpec(
        "区水务局",
        10,
        ("window", "online"),
        (("ps-sqb", False), ("sfz", False), ("ps-pmt", False), ("ps-cns", True)),
        (
            "company_name",
            "employer_credit_code",
            "legal_rep_name",
            "business_address",
            "daily_drainage",
            "phone",
        ),
    ),
}


@dataclass(frozen=True)
class TaskDef:
    code: str
    matter: str
    department: str
    days: int
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class BundleSpec:
    key: str
    matters: tuple[tuple[str, str], ...]  # (matter, situation that must hold; "" = always), in catalog order
    situations: dict[str, float]  # situation → share of applicants it holds for
    tasks: tuple[TaskDef, ...] = ()  # declared back-office graph; none: one task per matter with a time limit


BUNDLES: dict[str, BundleSpec] = {
    "retirement": BundleSpec(
        key="retire-approval",  # the catalog's key matter (关键单事项), as the other bundles
        matters=(
            ("retire-approval", ""),
            ("gxzy", "transferred"),
            ("retire-pension-claim", ""),
            ("retire-medins", ""),
            ("hf-withdraw-retire", "has_housing_fund"),
        ),
        situations={"transferred": 0.35, "has_housing_fund": 0.7},
        tasks=(
            TaskDef("transfer", "gxzy", _SI, 3),
            TaskDef("approval", "retire-approval", "区人力资源和社会保障局", 5, ("transfer",)),
            TaskDef("pension", "retire-pension-claim", _SI, 5, ("approval",)),
            TaskDef("medins", "retire-medins", "区医疗保障局", 5, ("approval",)),
            TaskDef(
                "housing-fund", "hf-withdraw-retire", "市住房公积金管理中心（区管理部）", 3, ("approval",)
            ),
        ),
    ),
    "newborn": BundleSpec(
        key="hukou-birth",
        matters=(
            ("birth-medical-cert", "born_local"),
            ("vaccination-cert", "born_local"),
            ("hukou-birth", ""),
            ("child-medical-insurance", ""),
            ("social-security-card", ""),
            ("maternity-benefit", "mother_insured"),
            ("childcare-subsidy", ""),
        ),
        situations={"born_local": 0.6, "mother_insured": 0.7},
    ),
    "utilities-connection": BundleSpec(
        key="power-connection",
        matters=(
            ("power-connection", ""),
            ("water-connection", "water"),
            ("gas-connection", "gas"),
            ("broadband-connection", "broadband"),
        ),
        situations={"water": 0.6, "gas": 0.3, "broadband": 0.5},
    ),
    "restaurant": BundleSpec(
        key="business-setup",
        matters=(
            ("business-setup", ""),
            ("food-license", ""),
            ("fire-check", "large"),
            ("signboard", "signboard"),
            ("drainage-permit", ""),
        ),
        situations={"large": 0.4, "signboard": 0.7},
    ),
}

# Which single matters a continuation can turn into which bundle (接续受理).
CONTINUATIONS = {"gxzy": "retirement"}

# ---- the synthetic hall: queues, windows, rhythm, shares ---------------------------------------------------------

QUEUES = {  # code → (ticket prefix, what people come for whose tickets join it: matters and bundles)
    "cbdj": ("A", ("cbdj",)),
    "gxzy": ("B", ("gxzy",)),
    "jfhd": ("C", ("jfhd",)),
    "yjs": ("D", tuple(BUNDLES)),
}
WINDOWS = {  # w6 is the comprehensive window (综合窗口): every queue
    "w1": ("cbdj",),
    "w2": ("cbdj", "gxzy"),
    "w3": ("gxzy", "jfhd"),
    "w4": ("jfhd", "yjs"),
    "w5": ("yjs",),
    "w6": ("cbdj", "gxzy", "jfhd", "yjs"),
}
# Opening hours in seconds after local midnight: 9:00-12:00 and 13:30-17:00.
PERIODS = ((9 * 3600, 12 * 3600), (13 * 3600 + 1800, 17 * 3600))
LAST_CALL = 17 * 3600 + 1800  # tickets still waiting then are left uncalled
_BINS = tuple(  # (start of half hour, relative arrival rate): peaks mid-morning and mid-afternoon
    [(9 * 3600 + i * 1800, w) for i, w in enumerate((0.8, 1.3, 1.5, 1.35, 1.0, 0.6))]
    + [(13 * 3600 + 1800 + i * 1800, w) for i, w in enumerate((0.7, 1.1, 1.35, 1.3, 1.05, 0.8, 0.45))]
)
_BIN_WEIGHTS = np.array([w for _, w in _BINS]) / sum(w for _, w in _BINS)
WEEKDAY_LOAD = (1.15, 1.0, 1.0, 0.95, 0.9)
ARRIVALS_PER_DAY = 185  # at the guide desk, hall load 1.0, an ordinary Tuesday

# What people come for: a single matter or a bundle, with its share, window service minutes (median) and the
# chance that the materials are incomplete on a first visit at the start of the period.
DEMAND: dict[str, tuple[float, float, float]] = {
    "cbdj": (0.30, 8.0, 0.16),
    "gxzy": (0.20, 11.0, 0.24),
    "jfhd": (0.24, 6.0, 0.12),
    "retirement": (0.07, 22.0, 0.26),
    "newborn": (0.07, 18.0, 0.22),
    "utilities-connection": (0.05, 16.0, 0.24),
    "restaurant": (0.07, 24.0, 0.30),
}

CONSULTATION_SHARE = 0.12
TOLERANCE_SHARE = 0.12  # of first visits: only tolerable materials missing (容缺)
ONLINE_SHARE, SELF_SERVICE_SHARE = 0.08, 0.12
COMES_BACK_AFTER_INCOMPLETE = 0.8
INCOMPLETE_DROP = 0.4  # the incomplete share falls by this fraction over the period
DUPLICATE_ENTRY = 0.25  # chance a clerk retypes a known value, at the start of the period
DUPLICATE_DROP = 0.5
ABSENT_AT_CALL, SHOWS_AFTER_RECALL, MAX_RECALLS = 0.05, 0.4, 2
FAILURE_SHARE = (
    0.002  # cases held up by a system failure, flagged by the clerk as outliers (样本外的极端案例)
)
FAILURE_NOTE = "业务系统故障，重启后继续办理"
CONTINUATION_SHARE = 0.06
DEFERRED_COMPLETION = 0.005  # window cases completed hours later or the next working day (extremes)
VERIFICATION_SHARE, RETURN_SHARE = 0.18, 0.05  # per task; per case
COMES_BACK_AFTER_RETURN = 0.85
# 参保登记 for 灵活就业人员: the desk marks 劳动合同 not applicable (the catalog's own exemption).
NOT_APPLICABLE = ("cbdj", "ldht", "灵活就业人员", 0.1)
# Known from the identity the guide desk took (cases.known.PersonRecord): typing them again is a duplicate.
PERSON_FIELDS = ("name", "resident_id", "phone", "gender", "birth_date")
DEPARTMENTS = tuple(
    dict.fromkeys(m.department for m in MATTERS.values())
)  # asked to verify, as the catalog's (the sample halls'; the district hall asks among its own)
DELIVERY = (("pickup", 0.4), ("mail", 0.25), ("electronic", 0.35))
SUPPLY = (("online", 0.45), ("mail", 0.15), ("hall", 0.3), ("", 0.1))  # "": never supplied


@dataclass(frozen=True)
class HallKind:
    """What a synthetic hall is: its queues, windows, what people come for and how many come."""

    name: str
    queues: dict[
        str, tuple[str, tuple[str, ...]]
    ]  # code → (ticket prefix, demand keys whose tickets join it)
    windows: dict[str, tuple[str, ...]]  # window → queues it calls from
    demand: dict[
        str, tuple[float, float, float]
    ]  # key (matter or bundle) → share, median minutes, incomplete
    arrivals_per_day: float  # at the guide desk, an ordinary Tuesday
    departments: tuple[str, ...] = DEPARTMENTS  # asked to verify

    def __post_init__(self) -> None:
        object.__setattr__(self, "queue_of", {k: q for q, (_, keys) in self.queues.items() for k in keys})
        object.__setattr__(self, "keys", tuple(self.demand))
        object.__setattr__(
            self,
            "p",
            np.array([v[0] for v in self.demand.values()]) / sum(v[0] for v in self.demand.values()),
        )


# The district hall (区行政服务中心, hist-qu): 93 windows by department, as the seed hall had before its reform
# (binjiang-window-reduction: 93 windows cut to 46, social insurance 42% of the volume and 87.88% online). Its
# matters beyond the seed catalog are synthetic (DISTRICT_MATTERS). Generated only with --district: it is 20
# times the sample hall's events.
DISTRICT_CODE = "hist-qu"
_HR, _MR, _RE = "区人力资源和社会保障局", "区市场监督管理局", "区不动产登记中心"
_ID = ("name", "resident_id", "phone")
_CO = ("company_name", "employer_credit_code", "legal_rep_name", "business_address", "name", "phone")
DISTRICT_MATTERS: dict[str, MatterSpec] = {
    "unemployment-registration": MatterSpec(
        _HR,
        0,
        ("window", "online"),
        (("sfz", False), ("jcldht", True)),
        (*_ID, "employer_name", "employment_end"),
    ),
    "business-change": MatterSpec(
        _MR, 0, ("window", "online", "self_service"), (("bgsqs", False), ("sfz", False), ("gsjy", True)), _CO
    ),
    "business-cancel": MatterSpec(
        _MR, 3, ("window", "online"), (("zxsqs", False), ("qsbg", False), ("sfz", False)), _CO
    ),
    "property-transfer": MatterSpec(
        _RE,
        5,
        ("window", "online"),
        (("bdcqz", False), ("sfz", False), ("gfht", False), ("wszm", True)),
        (*_ID, "address", "property_no", "transfer_price"),
    ),
    "mortgage-registration": MatterSpec(
        _RE,
        3,
        ("window", "online"),
        (("dyht", False), ("bdcqz", False), ("sfz", False)),
        (*_ID, "property_no", "loan_amount", "bank_name"),
    ),
    "tax-registration": MatterSpec(
        "区税务局", 0, ("window", "online", "self_service"), (("sfz", False), ("yyzz", False)), _CO
    ),
    "invoice-apply": MatterSpec(
        "区税务局",
        0,
        ("window", "online", "self_service"),
        (("sfz", False), ("fpsqb", True)),
        ("company_name", "employer_credit_code", "name", "phone", "invoice_kind"),
    ),
    "hf-deposit": MatterSpec(
        "市住房公积金管理中心（区管理部）",
        0,
        ("window", "online"),
        (("gjj-jcb", False), ("sfz", False)),
        (*_ID, "employer_name", "housing_fund_account"),
    ),
    "citizen-card": MatterSpec(
        "市民卡服务中心", 0, ("window", "self_service"), (("sfz", False), ("zp", True)), (*_ID, "address")
    ),
    "vehicle-registration": MatterSpec(
        "区公安分局交通警察大队",
        0,
        ("window",),
        (("sfz", False), ("gcfp", False), ("jqx", False)),
        (*_ID, "vehicle_vin"),
    ),
    "license-renewal": MatterSpec(
        "区公安分局交通警察大队",
        0,
        ("window", "online"),
        (("sfz", False), ("jsz", False), ("tjb", True)),
        (*_ID, "license_no"),
    ),
    "housing-subsidy": MatterSpec(
        "区住房和城乡建设局",
        10,
        ("window", "online"),
        (("sfz", False), ("zfqk", False), ("srzm", True)),
        (*_ID, "address", "household_size"),
    ),
    "project-approval": MatterSpec(
        "区发展和改革局",
        20,
        ("window", "online"),
        (("xmjys", False), ("ydyj", False), ("sfz", False)),
        (*_CO, "project_name"),
    ),
    "project-filing": MatterSpec(
        "区发展和改革局", 5, ("window", "online"), (("xmba", False), ("sfz", False)), (*_CO, "project_name")
    ),
    "subsistence-allowance": MatterSpec(
        "区民政局",
        10,
        ("window",),
        (("sfz", False), ("hkb", False), ("srzm", True)),
        (*_ID, "address", "household_size"),
    ),
    "school-enrollment": MatterSpec(
        "区教育局",
        5,
        ("window", "online"),
        (("hkb", False), ("fcz", True)),
        ("child_name", "child_resident_id", "name", "phone", "address"),
    ),
    "rural-housing": MatterSpec(
        "区农业农村局", 10, ("window",), (("zjd-sqb", False), ("sfz", False)), (*_ID, "address")
    ),
    "safety-permit": MatterSpec(
        "区应急管理局", 10, ("window", "online"), (("aqxk-sqs", False), ("sfz", False)), _CO
    ),
    "tech-enterprise": MatterSpec(
        "区科学技术局", 15, ("window", "online"), (("kjqy-sbs", False), ("sfz", False)), _CO
    ),
    "disability-card": MatterSpec(
        "区社会发展局（残联）",
        10,
        ("window",),
        (("sfz", False), ("cjjd", False), ("zp", True)),
        (*_ID, "address"),
    ),
}
_DISTRICT_QUEUES = {  # queue → (ticket prefix, what people come for, windows, [(key, share, median minutes)])
    "shebao": (
        "S",
        18,
        [
            ("cbdj", 0.14, 7.0),
            ("jfhd", 0.12, 5.0),
            ("gxzy", 0.07, 10.0),
            ("social-security-card", 0.05, 6.0),
            ("unemployment-registration", 0.04, 8.0),
        ],
    ),
    "shichang": (
        "M",
        15,
        [
            ("business-setup", 0.05, 18.0),
            ("business-change", 0.05, 12.0),
            ("business-cancel", 0.02, 15.0),
            ("food-license", 0.02, 16.0),
        ],
    ),
    "budongchan": ("R", 11, [("property-transfer", 0.05, 22.0), ("mortgage-registration", 0.04, 18.0)]),
    "shuiwu": ("T", 9, [("tax-registration", 0.04, 9.0), ("invoice-apply", 0.05, 6.0)]),
    "gongjijin": ("G", 6, [("hf-deposit", 0.035, 7.0), ("hf-withdraw-retire", 0.015, 10.0)]),
    "shiminka": ("K", 6, [("citizen-card", 0.06, 5.0)]),
    "jiaojing": ("J", 5, [("vehicle-registration", 0.02, 12.0), ("license-renewal", 0.02, 8.0)]),
    "yibao": ("Y", 5, [("child-medical-insurance", 0.025, 6.0), ("maternity-benefit", 0.015, 12.0)]),
    "zhujian": ("Z", 4, [("housing-subsidy", 0.015, 15.0)]),
    "yjs": (
        "D",
        4,
        [
            ("retirement", 0.01, 22.0),
            ("newborn", 0.01, 18.0),
            ("utilities-connection", 0.005, 16.0),
            ("restaurant", 0.01, 24.0),
        ],
    ),
    "touzi": ("V", 2, [("project-approval", 0.004, 40.0)]),
    # low-volume departments, one window each: what the seed hall merged into joint windows
    "chengguan": ("C", 1, [("signboard", 0.006, 12.0)]),
    "minzheng": ("L", 1, [("subsistence-allowance", 0.008, 15.0)]),
    "jiaoyu": ("E", 1, [("school-enrollment", 0.006, 10.0)]),
    "nongye": ("N", 1, [("rural-housing", 0.004, 14.0)]),
    "yingji": ("A", 1, [("safety-permit", 0.004, 15.0)]),
    "keji": ("B", 1, [("tech-enterprise", 0.003, 20.0)]),
    "fagai": ("F", 1, [("project-filing", 0.003, 12.0)]),
    "shefa": ("H", 1, [("disability-card", 0.005, 12.0)]),
}


def _district() -> HallKind:
    queues, windows, demand, n = {}, {}, {}, 0
    for queue, (prefix, count, wants) in _DISTRICT_QUEUES.items():
        queues[queue] = (prefix, tuple(key for key, _, _ in wants))
        for _ in range(count):
            n += 1
            windows[f"w{n:02d}"] = (queue,)
        for key, share, minutes in wants:
            incomplete = DEMAND[key][2] if key in DEMAND else 0.15
            demand[key] = (share, minutes, incomplete)
    departments = tuple(dict.fromkeys(m.department for m in {**MATTERS, **DISTRICT_MATTERS}.values()))
    return HallKind(
        name="样例区行政服务中心",
        queues=queues,
        windows=windows,
        demand=demand,
        arrivals_per_day=2300,
        departments=departments,
    )


# What the synthetic halls' queues are called (their events carry codes only, as the services' do).
QUEUE_NAMES = {
    "cbdj": "参保登记",
    "gxzy": "关系转移",
    "jfhd": "缴费核定",
    "yjs": "一件事综合受理",
    "shebao": "人力社保（社会保险）",
    "shichang": "市场监管（商事登记）",
    "budongchan": "不动产登记",
    "shuiwu": "税务",
    "gongjijin": "住房公积金",
    "shiminka": "市民卡",
    "jiaojing": "交警",
    "yibao": "医疗保障",
    "zhujian": "住房建设",
    "touzi": "投资项目审批",
    "chengguan": "城市管理",
    "minzheng": "民政",
    "jiaoyu": "教育",
    "nongye": "农业农村",
    "yingji": "应急管理",
    "keji": "科技",
    "fagai": "发展改革",
    "shefa": "社会发展（残联）",
}

MATTERS.update(DISTRICT_MATTERS)  # after DEPARTMENTS: the sample halls verify among the catalog's departments
DISTRICT = _district()


# The sample halls hist01…: six windows, four queues (the shape every test and the demo know).
SAMPLE = HallKind(
    name="样例大厅",
    queues=QUEUES,
    windows=WINDOWS,
    demand=DEMAND,
    arrivals_per_day=ARRIVALS_PER_DAY,
)

EVENT_TYPES = frozenset(
    {
        "consultation.recorded",
        "prereview.completed",
        "triage.routed",
        "ticket.issued",
        "ticket.called",
        "ticket.recalled",
        "ticket.no_show",
        "case.accepted",
        "case.continued",
        "case.completed",
        "case.returned",
        "case.corrected",
        "case.delivered",
        "visit.recorded",
        "field.entered",
        "commitment.made",
        "commitment.supplied",
        "task.started",
        "task.finished",
        "verification.started",
        "verification.finished",
        "case.outlier_flagged",
        "window.signed_in",
        "window.signed_out",
        "window.paused",
        "window.resumed",
        "material.not_applicable",
    }
)


def hall_codes(halls: int, district: bool = False) -> list[str]:
    """hist01… and, with the district hall, hist-qu."""
    if not (0 if district else 1) <= halls <= MAX_HALLS:
        raise ValueError(f"halls must be between 1 and {MAX_HALLS}")
    return [f"{HALL_PREFIX}{n:02d}" for n in range(1, halls + 1)] + ([DISTRICT_CODE] if district else [])


def resolve(key: str, situations: dict[str, bool]) -> tuple[str, str, list[str]]:
    """(key matter, bundle code or "", matters that apply) for a single matter code or a bundle code."""
    bundle = BUNDLES.get(key)
    if bundle is None:
        return key, "", [key]
    matters = [m for m, cond in bundle.matters if not cond or situations.get(cond)]
    return bundle.key, key, matters


def needed_materials(matters: list[str]) -> list[tuple[str, bool]]:
    """The materials to bring for these matters, each once; tolerable only if every matter tolerates it."""
    found: dict[str, bool] = {}
    for m in matters:
        for code, tolerable in MATTERS[m].materials:
            found[code] = found.get(code, True) and tolerable
    return list(found.items())


def form_fields(matters: list[str]) -> list[str]:
    return list(dict.fromkeys(f for m in matters for f in MATTERS[m].fields))


def task_graph(bundle: str, matters: list[str]) -> list[TaskDef]:
    """The bundle's declared tasks for the matters that apply (as catalog.services.tasks_for), or one per matter."""
    declared = BUNDLES[bundle].tasks if bundle else ()
    if not declared:
        return [
            TaskDef(m, m, MATTERS[m].department, max(MATTERS[m].days, 1)) for m in matters if MATTERS[m].days
        ]
    return applying(declared, matters)


# ---- the simulation --------------------------------------------------------------------------------------------


@dataclass
class _Task:
    spec: TaskDef
    status: str = "waiting"  # waiting | ready | done | returned
    ready_at: datetime | None = None
    due_at: datetime | None = None


@dataclass
class _Case:
    id: str
    window: str
    queue: str
    matter: str
    bundle: str
    matters: list[str]
    person: str
    visits: list[tuple[datetime, int, str, str]] = field(default_factory=list)  # (at, seq, visit, ticket)
    tasks: dict[str, _Task] = field(default_factory=dict)
    session_end: datetime | None = None
    returned_at: datetime | None = None
    returnable: bool = True  # one return per case, and none while materials are promised


@dataclass
class _Journey:
    """Someone at the guide desk: a new applicant, one who comes back with the missing materials, or one whose
    returned case needs them again (`case`)."""

    key: str  # single matter or bundle code
    person: str
    matter: str
    bundle: str
    matters: list[str]
    first_visit: bool
    case: _Case | None = None


@dataclass
class _Ticket:
    id: str
    number: str
    queue: str
    issued: float  # seconds after local midnight
    priority: int
    priority_class: str
    journey: _Journey
    verdict: str = Verdict.COMPLETE
    missing: list[str] = field(default_factory=list)
    called: float | None = None


class _Log:
    """Events waiting to be released in time order (ties in the order they were made)."""

    def __init__(self) -> None:
        self.heap: list[tuple[datetime, int, HistoryEvent]] = []
        self.n = 0

    def add(self, event: HistoryEvent) -> None:
        self.n += 1
        heapq.heappush(self.heap, (event.at, self.n, event))

    def release(self, before: datetime) -> Iterator[HistoryEvent]:
        while self.heap and self.heap[0][0] < before:
            yield heapq.heappop(self.heap)[2]


class _Hall:
    def __init__(
        self,
        *,
        no: int,
        seed: int,
        tz: ZoneInfo,
        log: _Log,
        start: date,
        days: int,
        kind: HallKind = SAMPLE,
        code: str = "",
    ) -> None:
        self.no, self.code, self.tz, self.log = no, code or f"{HALL_PREFIX}{no:02d}", tz, log
        self.kind, self.prefix = kind, f"h{self.code[-2:]}"
        self.rng = np.random.default_rng([seed, no])
        # Facts added later (window sessions, not-applicable marks) draw from their own stream, so the first
        # stream — and every figure the planning calibration reads from it — stays what it was.
        self.aside = np.random.default_rng([seed, no, 1])
        self.start, self.days = start, days
        # Halls differ: the first (and the district hall) as defined; the others have their own load and habits.
        as_defined = no <= 1
        self.load = 1.0 if as_defined else float(self.rng.uniform(0.7, 1.0))
        self.incomplete = 1.0 if as_defined else float(self.rng.uniform(0.7, 1.3))
        self.retyping = 1.0 if as_defined else float(self.rng.uniform(0.5, 1.5))
        self.speed = {w: float(self.rng.lognormal(0.0, 0.12)) for w in kind.windows}  # clerk pace per window
        self.counters: dict[str, int] = {}
        self.later: dict[date, list[tuple[float, _Journey]]] = {}  # journeys booked for a coming day
        self._midnight: dict[date, datetime] = {}
        self.trend = 0.0

    # -- helpers -----------------------------------------------------------------------------------------------

    def _next(self, kind: str) -> int:
        self.counters[kind] = self.counters.get(kind, 0) + 1
        return self.counters[kind]

    def _ref(self, kind: str, width: int = 6) -> str:
        return f"{self.prefix}-{kind}{self._next(kind):0{width}d}"

    def _number(self, kind: str) -> int:
        """Pre-review and verification numbers: ints as the services emit, in a range of their own per hall."""
        return 1_000_000_000 + self.no * 10_000_000 + self._next(kind)

    def _at(self, day: date, seconds: float) -> datetime:
        base = self._midnight.get(day)
        if base is None:
            base = self._midnight[day] = datetime.combine(day, time.min, tzinfo=self.tz).astimezone(UTC)
        return base + timedelta(milliseconds=round(seconds * 1000))

    def _local(self, at: datetime) -> tuple[date, float]:
        local = at.astimezone(self.tz)
        return local.date(), local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6

    def _work_after(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` of office time (weekdays, opening hours) after `start`."""
        left = hours * 3600
        day, sec = self._local(start)
        while True:
            if day.weekday() < 5:
                for a, b in PERIODS:
                    s = max(a, sec)
                    if s < b:
                        if s + left <= b:
                            return self._at(day, s + left)
                        left -= b - s
                        sec = b
            day, sec = day + timedelta(days=1), 0.0

    def _working_day_after(self, day: date, n: int) -> date:
        return add_working_days(day, n, holidays=())  # the synthetic halls open every weekday

    def _arrival_second(self) -> float:
        i = int(self.rng.choice(len(_BINS), p=_BIN_WEIGHTS))
        return _BINS[i][0] + float(self.rng.uniform(0, 1800))

    def _pick(self, options: tuple[tuple[str, float], ...]) -> str:
        r, acc = float(self.rng.random()), 0.0
        for value, p in options:
            acc += p
            if r < acc:
                return value
        return options[-1][0]

    def emit(self, at: datetime, type: str, *, data: dict[str, Any] | None = None, **refs: str) -> None:
        """Add one event; a type, reference or payload that does not match its declaration is an error."""
        event_types.check(type, data, ["hall", *(name for name, value in refs.items() if value)])
        self.log.add(
            HistoryEvent(
                at=at,
                type=type,
                hall=self.code,
                window=refs.get("window", ""),
                queue=refs.get("queue", ""),
                matter=refs.get("matter", ""),
                bundle=refs.get("bundle", ""),
                case=refs.get("case", ""),
                ticket=refs.get("ticket", ""),
                visit=refs.get("visit", ""),
                actor=refs.get("actor", ""),
                data=data if data is not None else {},
            )
        )

    def _clerk(self, window: str) -> str:
        return f"{self.code}-chuangkou{window[1:]}"

    # -- a day ----------------------------------------------------------------------------------------------------

    def day(self, day: date, offset: int) -> None:
        booked = self.later.pop(day, [])
        if day.weekday() >= 5:
            return  # closed; anyone booked for the weekend simply does not come
        self.trend = offset / max(self.days - 1, 1)
        volume = (
            self.kind.arrivals_per_day
            * self.load
            * WEEKDAY_LOAD[day.weekday()]
            * float(self.rng.lognormal(0, 0.1))
        )
        counts = self.rng.poisson(_BIN_WEIGHTS * volume)
        arrivals: list[tuple[float, _Journey | None]] = list(booked)
        for (begin, _), n in zip(_BINS, counts, strict=True):
            for s in np.sort(self.rng.uniform(begin, begin + 1800, int(n))):
                arrivals.append((float(s), None))
        arrivals.sort(key=lambda a: a[0])
        tickets = [t for second, journey in arrivals if (t := self._desk(day, second, journey)) is not None]
        tickets.sort(key=lambda t: t.issued)
        numbers: dict[str, int] = {}
        for ticket in tickets:
            numbers[ticket.queue] = numbers.get(ticket.queue, 0) + 1
            ticket.number = f"{self.kind.queues[ticket.queue][0]}{numbers[ticket.queue]:03d}"
        self._windows(day, tickets)
        by_queue: dict[str, list[_Ticket]] = {}
        for t in tickets:
            by_queue.setdefault(t.queue, []).append(t)
        for t in tickets:  # issued events once the calls are known, for the number waiting ahead
            ahead = sum(
                1
                for o in by_queue[t.queue]
                if o is not t
                and (o.called is None or o.called > t.issued)
                and (o.priority > t.priority or (o.priority == t.priority and o.issued < t.issued))
                and o.issued <= t.issued
            )
            self.emit(
                self._at(day, t.issued),
                "ticket.issued",
                queue=t.queue,
                matter=t.journey.matter,
                ticket=t.id,
                actor=f"{self.code}-daoban",
                data={
                    "number": t.number,
                    "priority": t.priority,
                    "priority_class": t.priority_class,
                    "waiting_ahead": ahead,
                },
            )

    # -- guide desk -------------------------------------------------------------------------------------------------

    def _new_journey(self) -> _Journey:
        key = self.kind.keys[int(self.rng.choice(len(self.kind.keys), p=self.kind.p))]
        situations = {
            s: bool(self.rng.random() < p)
            for s, p in (BUNDLES[key].situations.items() if key in BUNDLES else ())
        }
        matter, bundle, matters = resolve(key, situations)
        return _Journey(
            key=key,
            person=self._ref("p"),
            matter=matter,
            bundle=bundle,
            matters=matters,
            first_visit=bool(self.rng.random() < 0.95),
        )

    def _desk(self, day: date, second: float, journey: _Journey | None) -> _Ticket | None:
        guide = f"{self.code}-daoban"
        if journey is None:
            if self.rng.random() < CONSULTATION_SHARE:
                key = self.kind.keys[int(self.rng.choice(len(self.kind.keys), p=self.kind.p))]
                refs = {"bundle": key} if key in BUNDLES else {"matter": key}
                self.emit(
                    self._at(day, second + float(self.rng.uniform(60, 300))),
                    "consultation.recorded",
                    actor=guide,
                    **refs,
                )
                return None
            journey = self._new_journey()
        at_s = second + float(self.rng.uniform(90, 240))
        at = self._at(day, at_s)
        needed = needed_materials(journey.matters)
        tolerable = [c for c, t in needed if t]
        strict = [c for c, t in needed if not t]
        if journey.case is not None:
            verdict = Verdict.COMPLETE
        elif journey.first_visit:
            p_incomplete = (
                self.kind.demand[journey.key][2] * self.incomplete * (1 - INCOMPLETE_DROP * self.trend)
            )
            r, verdict = float(self.rng.random()), Verdict.COMPLETE
            if r < p_incomplete:
                verdict = Verdict.INCOMPLETE
            elif r < p_incomplete + TOLERANCE_SHARE:
                verdict = Verdict.TOLERANCE
        else:
            verdict = Verdict(
                self._pick(((Verdict.COMPLETE, 0.85), (Verdict.TOLERANCE, 0.08), (Verdict.INCOMPLETE, 0.07)))
            )
        if verdict == Verdict.TOLERANCE and not tolerable:
            verdict = Verdict.COMPLETE
        missing: list[str] = []
        if verdict == Verdict.TOLERANCE:
            k = 1 + int(len(tolerable) > 1 and self.rng.random() < 0.25)
            missing = [str(c) for c in self.rng.choice(tolerable, size=k, replace=False)]
        elif verdict == Verdict.INCOMPLETE:
            k = 1 + int(len(strict) > 1 and self.rng.random() < 0.3)
            missing = [str(c) for c in self.rng.choice(strict, size=k, replace=False)]
            if tolerable and self.rng.random() < 0.3:
                missing.append(str(self.rng.choice(tolerable)))
            missing = [c for c, _ in needed if c in missing]
        prereview = self._number("prereview")
        refs = {"matter": journey.matter, "bundle": journey.bundle, "actor": guide}
        na_matter, na_material, na_reason, na_share = NOT_APPLICABLE
        marked = (
            [na_material]
            if na_matter in journey.matters and na_material not in missing and self.aside.random() < na_share
            else []
        )
        self.emit(
            at,
            "prereview.completed",
            **refs,
            data={
                "prereview": prereview,
                "verdict": str(verdict),
                "required": len(needed),
                "present": len(needed) - len(missing),
                "missing": missing,
                "matters": list(journey.matters),
                "first_visit": journey.first_visit,
                "person": journey.person,
                "not_applicable": marked,
            },
        )
        for material in marked:
            self.emit(
                at,
                "material.not_applicable",
                **refs,
                data={"prereview": prereview, "material": material, "reason": na_reason, "preset": True},
            )
        channel = "window"
        if verdict == Verdict.INCOMPLETE:
            channel = "none"
        elif journey.case is None and journey.first_visit:
            r, channels = float(self.rng.random()), MATTERS[journey.matter].channels
            if r < ONLINE_SHARE and "online" in channels:
                channel = "online_assisted"
            elif r < ONLINE_SHARE + SELF_SERVICE_SHARE and "self_service" in channels:
                channel = "self_service"
        routed = {"prereview": prereview, "channel": channel}
        if channel == "online_assisted":  # the desk hands over the notice's path as a QR and link
            routed["online_path"] = (
                f"bundle:{journey.bundle}" if journey.bundle else f"matter:{journey.matter}"
            )
        self.emit(at, "triage.routed", **refs, data=routed)
        if verdict == Verdict.INCOMPLETE:
            if self.rng.random() < COMES_BACK_AFTER_INCOMPLETE:
                back = _Journey(
                    key=journey.key,
                    person=journey.person,
                    matter=journey.matter,
                    bundle=journey.bundle,
                    matters=journey.matters,
                    first_visit=False,
                )
                self._book(day, int(self.rng.integers(1, 8)), back)
            return None
        if channel != "window":
            return None
        r = float(self.rng.random())
        priority_class = "elderly" if r < 0.08 else "disability" if r < 0.09 else "normal"
        return _Ticket(
            id=self._ref("t", 7),
            number="",
            queue=self.kind.queue_of[journey.key],
            issued=at_s,
            priority=0 if priority_class == "normal" else 2,
            priority_class=priority_class,
            journey=journey,
            verdict=verdict,
            missing=missing,
        )

    def _book(self, day: date, working_days: int, journey: _Journey) -> None:
        when = self._working_day_after(day, working_days)
        self.later.setdefault(when, []).append((self._arrival_second(), journey))

    # -- windows ----------------------------------------------------------------------------------------------------

    def _windows(self, day: date, tickets: list[_Ticket]) -> None:
        """Each window calls the first ticket of its queues (priority, then arrival) whenever it is free."""
        waiting: dict[str, list[_Ticket]] = {q: [] for q in self.kind.queues}
        for t in tickets:
            waiting[t.queue].append(t)
        windows = self.kind.windows
        free = [(PERIODS[0][0] + float(self.rng.uniform(0, 120)), i, w) for i, w in enumerate(windows)]
        heapq.heapify(free)
        for _, _, w in free:  # the clerks sign in before the first call
            self.emit(
                self._at(day, PERIODS[0][0] - float(self.aside.uniform(60, 900))),
                "window.signed_in",
                window=w,
                actor=self._clerk(w),
            )
        last_end = {w: PERIODS[0][0] for w in windows}
        while free:
            t, i, w = heapq.heappop(free)
            if PERIODS[0][1] <= t < PERIODS[1][0]:  # lunch: the window pauses (F9) and resumes after it
                self.emit(self._at(day, t), "window.paused", window=w, actor=self._clerk(w))
                t = PERIODS[1][0] + float(self.rng.uniform(0, 120))
                self.emit(self._at(day, t), "window.resumed", window=w, actor=self._clerk(w))
            if t >= LAST_CALL:
                continue
            best: _Ticket | None = None
            upcoming = None
            for q in windows[w]:
                for tk in waiting[q]:
                    if tk.issued <= t:
                        if best is None or (-tk.priority, tk.issued) < (-best.priority, best.issued):
                            best = tk
                    else:
                        upcoming = tk.issued if upcoming is None else min(upcoming, tk.issued)
                        break  # the queue's list is in issue order
            if best is None:
                if upcoming is not None:
                    heapq.heappush(free, (upcoming, i, w))
                continue
            waiting[best.queue].remove(best)
            best.called = t
            end = self._serve(day, w, best)
            last_end[w] = max(last_end[w], end)
            heapq.heappush(free, (end + float(self.rng.uniform(15, 60)), i, w))
        for w, end in last_end.items():  # and sign out once their last service is done
            self.emit(
                self._at(day, max(end, PERIODS[1][1]) + float(self.aside.uniform(60, 900))),
                "window.signed_out",
                window=w,
                actor=self._clerk(w),
            )

    def _serve(self, day: date, window: str, ticket: _Ticket) -> float:
        """The window session for a called ticket; returns when the window is free again (seconds)."""
        j, clerk = ticket.journey, self._clerk(window)
        refs = {
            "window": window,
            "queue": ticket.queue,
            "matter": j.matter,
            "ticket": ticket.id,
            "actor": clerk,
        }
        t = ticket.called or 0.0
        self.emit(
            self._at(day, t),
            "ticket.called",
            **refs,
            data={"number": ticket.number, "waited_seconds": round(t - ticket.issued)},
        )
        if self.rng.random() < ABSENT_AT_CALL:
            for recall in range(1, MAX_RECALLS + 2):
                t += float(self.rng.uniform(45, 75))
                if recall > MAX_RECALLS:
                    self.emit(
                        self._at(day, t),
                        "ticket.no_show",
                        **refs,
                        data={"number": ticket.number, "recalls": MAX_RECALLS},
                    )
                    return t
                self.emit(
                    self._at(day, t),
                    "ticket.recalled",
                    **refs,
                    data={"number": ticket.number, "recall": recall},
                )
                if self.rng.random() < SHOWS_AFTER_RECALL:
                    break
        t += float(self.rng.uniform(20, 60))
        if j.case is not None:
            return self._resubmit(day, window, ticket, t)
        return self._accept(day, window, ticket, t)

    def _resubmit(self, day: date, window: str, ticket: _Ticket, t: float) -> float:
        case = ticket.journey.case
        assert case is not None
        at = self._at(day, t)
        seq = len(case.visits) + 1
        visit = self._ref("v", 7)
        case.visits.append((at, seq, visit, ticket.id))
        self.emit(
            at,
            "visit.recorded",
            window=window,
            matter=case.matter,
            case=case.id,
            ticket=ticket.id,
            visit=visit,
            actor=self._clerk(window),
            data={"visit_seq": seq, "purpose": "resubmit"},
        )
        returned = sorted(code for code, task in case.tasks.items() if task.status == "returned")
        for code in returned:
            case.tasks[code].status = "ready"
        if returned:  # 补正 at the hall with the new ticket, as cases.acceptance._rejoin records it
            paused = round((at - case.returned_at).total_seconds()) if case.returned_at else 0
            self.emit(
                at,
                "case.corrected",
                window=window,
                matter=case.matter,
                case=case.id,
                visit=visit,
                actor=self._clerk(window),
                data={"via": "hall", "visit": True, "tasks": returned, "paused_seconds": paused},
            )
        end = t + 60 * float(self.rng.lognormal(np.log(5.0), 0.4))
        case.session_end = self._at(day, end)
        self._office(case, at)
        return end

    def _accept(self, day: date, window: str, ticket: _Ticket, t: float) -> float:
        j, clerk = ticket.journey, self._clerk(window)
        at = self._at(day, t)
        verdict, missing = ticket.verdict, ticket.missing
        case = _Case(
            id=self._ref("c"),
            window=window,
            queue=ticket.queue,
            matter=j.matter,
            bundle=j.bundle,
            matters=list(j.matters),
            person=j.person,
        )
        visit = self._ref("v", 7)
        case.visits.append((at, 1, visit, ticket.id))
        base = {"matter": case.matter, "case": case.id, "actor": clerk}
        for spec in task_graph(case.bundle, case.matters):
            case.tasks[spec.code] = _Task(spec)
        due = None
        if verdict == Verdict.TOLERANCE:
            case.returnable = False
            due = self._working_day_after(day, 5)
            for material in missing:
                self.emit(at, "commitment.made", **base, data={"material": material, "due": due.isoformat()})
        self.emit(
            at,
            "case.accepted",
            window=window,
            queue=ticket.queue,
            ticket=ticket.id,
            visit=visit,
            bundle=case.bundle,
            **base,
            data={
                "number": ticket.number,
                "visit_seq": 1,
                "verdict": str(verdict),
                "matters": list(case.matters),
                "tasks": len(case.tasks),
            },
        )

        minutes = float(self.rng.lognormal(np.log(self.kind.demand[j.key][1] * self.speed[window]), 0.45))
        if self.rng.random() < FAILURE_SHARE:  # a system failure holds the case up; the clerk flags it
            minutes *= 5
            self.emit(
                at + timedelta(minutes=minutes),
                "case.outlier_flagged",
                window=window,
                bundle=case.bundle,
                **base,
                data={"note": FAILURE_NOTE},
            )
        end = t + 60 * minutes
        if not case.bundle and case.matter in CONTINUATIONS and self.rng.random() < CONTINUATION_SHARE:
            end = self._continue(day, window, case, t + 0.6 * (end - t), end)
        self._fields(self._at(day, t + 0.7 * (end - t)), window, case)
        case.session_end = self._at(day, end)
        for task in case.tasks.values():  # 移交后台 at the end of the service: the ready tasks start
            if task.status == "waiting" and all(case.tasks[a].status == "done" for a in task.spec.after):
                self._start(case, task, case.session_end, clerk)

        if due is not None:
            self._supply(case, day, due, missing)
        if not case.tasks:
            done_at = case.session_end
            if self.rng.random() < DEFERRED_COMPLETION:  # the system was down, or a signature was missing
                if self.rng.random() < 0.5:
                    done_at = self._work_after(done_at, float(self.rng.uniform(1, 3)))
                else:
                    next_day = self._at(self._working_day_after(day, 1), PERIODS[0][0])
                    done_at = self._work_after(next_day, float(self.rng.uniform(0.2, 3)))
            self._complete(case, done_at, at_window=True)
        else:
            self._office(case, at)
        return end + 20

    def _continue(self, day: date, window: str, case: _Case, t: float, end: float) -> float:
        """接续受理: the single matter becomes its bundle; the bundle's tasks for it stand for the existing task."""
        bundle = CONTINUATIONS[case.matter]
        spec = BUNDLES[bundle]
        situations = {s: bool(self.rng.random() < p) for s, p in spec.situations.items()}
        situations.update({cond: True for m, cond in spec.matters if m == case.matter and cond})
        _, _, matters = resolve(bundle, situations)
        added = [m for m in matters if m not in case.matters]
        existing = set(case.matters)
        current = {task.spec.matter: code for code, task in case.tasks.items()}
        graph = task_graph(bundle, matters)
        stands_for = {
            g.code: current[g.matter] for g in graph if g.matter in existing and g.matter in current
        }
        dropped = {g.code for g in graph if g.matter in existing}
        for g in graph:
            if g.code in dropped or g.code in case.tasks:
                continue
            after = tuple(
                dict.fromkeys(stands_for.get(a, a) for a in g.after if a in stands_for or a not in dropped)
            )
            case.tasks[g.code] = _Task(TaskDef(g.code, g.matter, g.department, g.days, after))
        case.bundle, case.matters = bundle, [*case.matters, *added]
        at = self._at(day, t)  # the tasks start when the case is handed over, at the end of the service
        self.emit(
            at,
            "case.continued",
            window=window,
            matter=case.matter,
            bundle=bundle,
            case=case.id,
            actor=self._clerk(window),
            data={"from": case.matter, "matters": matters, "added": added},
        )
        return end + 60 * float(self.rng.lognormal(np.log(12.0), 0.4))

    def _fields(self, at: datetime, window: str, case: _Case) -> None:
        """One save of the merged form: unknown values typed, some known ones typed again (duplicate entries)."""
        p_dup = DUPLICATE_ENTRY * self.retyping * (1 - DUPLICATE_DROP * self.trend)
        for f in form_fields(case.matters):
            if f in PERSON_FIELDS:
                if self.rng.random() < p_dup:
                    data = {"field": f, "duplicate": True, "known_from": sources.GUIDE_DESK}
                else:
                    continue
            elif self.rng.random() < 0.92:
                data = {"field": f, "duplicate": False, "known_from": ""}
            else:
                continue
            self.emit(
                at,
                "field.entered",
                window=window,
                matter=case.matter,
                case=case.id,
                actor=self._clerk(window),
                data=data,
            )

    def _supply(self, case: _Case, day: date, due: date, materials: list[str]) -> None:
        via = self._pick(SUPPLY)
        if not via:
            return
        at = self._work_after(self._at(day, PERIODS[1][1]), float(self.rng.lognormal(np.log(10.0), 0.8)))
        if via == "hall":
            seq, visit = len(case.visits) + 1, self._ref("v", 7)
            case.visits.append((at, seq, visit, ""))
            self.emit(
                at,
                "visit.recorded",
                window=case.window,
                matter=case.matter,
                case=case.id,
                visit=visit,
                actor=self._clerk(case.window),
                data={"visit_seq": seq, "purpose": "supply"},
            )
        late = at.astimezone(self.tz).date() > due
        for material in materials:
            self.emit(
                at,
                "commitment.supplied",
                matter=case.matter,
                case=case.id,
                actor=self._clerk(case.window),
                data={"material": material, "via": via, "late": late},
            )

    # -- back office ----------------------------------------------------------------------------------------------

    def _start(self, case: _Case, task: _Task, at: datetime, actor: str) -> None:
        task.status, task.ready_at = "ready", at
        task.due_at = add_working_days(
            at.astimezone(self.tz), task.spec.days, ()
        )  # its halls keep no holidays
        assert task.due_at is not None
        self.emit(
            at,
            "task.started",
            matter=task.spec.matter,
            case=case.id,
            actor=actor,
            data={
                "task": task.spec.code,
                "department": department_code(task.spec.department),
                "due": task.due_at.isoformat(),
            },
        )

    def _office(self, case: _Case, now: datetime) -> None:
        """Work the case's ready tasks in parallel, starting their dependants as they finish, until the case is
        complete or a task went back to the citizen."""
        pending: list[tuple[datetime, int, str, bool]] = []
        begin = max(now, case.session_end or now)
        for task in case.tasks.values():
            if task.status == "ready":
                pending.append(self._work(case, task, begin))
        heapq.heapify(pending)
        last, office = now, f"{self.code}-houtai"
        while pending:
            at, _, code, returned = heapq.heappop(pending)
            task = case.tasks[code]
            if returned:
                task.status = "returned"
                self.emit(
                    at,
                    "case.returned",
                    matter=task.spec.matter,
                    case=case.id,
                    actor=office,
                    data={
                        "task": code,
                        "department": department_code(task.spec.department),
                        "to": "citizen",
                        "pauses_clock": True,
                    },
                )
                continue
            task.status, last = "done", at
            assert task.ready_at is not None and task.due_at is not None
            self.emit(
                at,
                "task.finished",
                matter=task.spec.matter,
                case=case.id,
                actor=office,
                data={
                    "task": code,
                    "department": department_code(task.spec.department),
                    "seconds": round((at - task.ready_at).total_seconds()),
                    "overdue": at > task.due_at,
                },
            )
            done = {c for c, t in case.tasks.items() if t.status == "done"}
            for other in case.tasks.values():
                if other.status == "waiting" and set(other.spec.after) <= done:
                    self._start(case, other, at, office)
                    heapq.heappush(pending, self._work(case, other, at))
        if all(t.status == "done" for t in case.tasks.values()):
            self._complete(case, last, at_window=False)
        elif (
            any(t.status == "returned" for t in case.tasks.values())
            and self.rng.random() < COMES_BACK_AFTER_RETURN
        ):
            returned_on = (case.returned_at or now).astimezone(self.tz).date()
            back = _Journey(
                key=case.bundle or case.matter,
                person=case.person,
                matter=case.matter,
                bundle=case.bundle,
                matters=case.matters,
                first_visit=False,
                case=case,
            )
            self._book(returned_on, int(self.rng.integers(1, 8)), back)

    def _work(self, case: _Case, task: _Task, begin: datetime) -> tuple[datetime, int, str, bool]:
        """Decide how this task's work goes from `begin`: verification, return or approval, and when."""
        hours = max(0.5, float(self.rng.lognormal(np.log(0.3 * max(task.spec.days, 1) * 6.5), 0.8)))
        office = f"{self.code}-houtai"
        seq = self._next("work")
        if case.returnable and self.rng.random() < RETURN_SHARE / len(case.tasks):
            case.returnable = False
            at = self._work_after(begin, hours * float(self.rng.uniform(0.2, 0.8)))
            case.returned_at = at
            return at, seq, task.spec.code, True
        if self.rng.random() < VERIFICATION_SHARE:
            asked = self._work_after(begin, hours * float(self.rng.uniform(0.1, 0.5)))
            number = self._number("verification")
            to = str(self.rng.choice([d for d in self.kind.departments if d != task.spec.department]))
            due = self._at(self._working_day_after(self._local(asked)[0], 1), self._local(asked)[1])
            self.emit(
                asked,
                "verification.started",
                matter=task.spec.matter,
                case=case.id,
                actor=office,
                data={
                    "task": task.spec.code,
                    "verification": number,
                    "to": department_code(to),
                    "due": due.isoformat(),
                },
            )
            answered = self._work_after(asked, min(60.0, float(self.rng.lognormal(np.log(3.0), 1.0))))
            self.emit(
                answered,
                "verification.finished",
                matter=task.spec.matter,
                case=case.id,
                actor=f"{self.code}-hecha",
                data={
                    "task": task.spec.code,
                    "verification": number,
                    "confirmed": bool(self.rng.random() < 0.93),
                    "seconds": round((answered - asked).total_seconds()),
                    "overdue": answered > due,
                },
            )
            return self._work_after(answered, hours * 0.5), seq, task.spec.code, False
        return self._work_after(begin, hours), seq, task.spec.code, False

    def _complete(self, case: _Case, at: datetime, *, at_window: bool) -> None:
        _, seq, visit, ticket = max((v for v in case.visits if v[0] <= at), key=lambda v: v[1])
        refs = {"window": case.window, "matter": case.matter, "case": case.id}
        actor = self._clerk(case.window) if at_window else f"{self.code}-houtai"
        self.emit(
            at,
            "case.completed",
            **refs,
            ticket=ticket,
            visit=visit,
            actor=actor,
            data={"visits": seq, "at_window": at_window},
        )
        if at_window and self.rng.random() < 0.5:
            self.emit(
                at + timedelta(seconds=float(self.rng.uniform(10, 60))),
                "case.delivered",
                **refs,
                actor=self._clerk(case.window),
                data={"method": self._pick((("pickup", 0.6), ("electronic", 0.4)))},
            )
        elif not at_window:
            when = self._work_after(at, float(self.rng.uniform(0.5, 16)))
            self.emit(
                when,
                "case.delivered",
                **refs,
                actor=self._clerk(case.window),
                data={"method": self._pick(DELIVERY)},
            )


def generate(
    *,
    start: date,
    days: int,
    halls: int = 1,
    seed: int = 1,
    tz_name: str = TZ_NAME,
    on_day: Callable[[date], None] | None = None,
    district: bool = False,
) -> Iterator[HistoryEvent]:
    """The events of `days` calendar days from `start` for halls hist01… (and the district hall hist-qu with
    `district`; `halls` may then be 0), in time order.

    Each hall draws from its own seeded stream, so hist01 is the same whether one hall or five are generated.
    `on_day` is told each day once its events have been yielded (for a progress bar).
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    tz = ZoneInfo(tz_name)
    log = _Log()
    sims = [_Hall(no=n, seed=seed, tz=tz, log=log, start=start, days=days) for n in range(1, halls + 1)]
    hall_codes(halls, district)  # checks the count
    if district:
        sims.append(
            _Hall(no=0, seed=seed, tz=tz, log=log, start=start, days=days, kind=DISTRICT, code=DISTRICT_CODE)
        )
    end = datetime.combine(start + timedelta(days=days), time.min, tzinfo=tz).astimezone(UTC)
    for offset in range(days):
        day = start + timedelta(days=offset)
        for sim in sims:
            sim.day(day, offset)
        next_midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
        yield from log.release(min(next_midnight, end))
        if on_day is not None:
            on_day(day)
    log.heap.clear()  # what would happen after the period is not history yet
