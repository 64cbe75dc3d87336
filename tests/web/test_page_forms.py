"""Thin entry points (issue 15 item 5): every page reads its inputs through a form (accounts.pages.PageForm).
Input a page cannot read is refused with a Chinese message naming the field, a 4xx and nothing written; the
two dates that were silently taken as "no date" are refused instead."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.http import QueryDict

from onevisit.accounts.pages import Day, Flag, Integer, PageForm, Text, Texts, parse
from onevisit.cases import services as cases
from onevisit.core import clock
from onevisit.core.errors import Invalid
from onevisit.queueing.models import Appointment
from tests.conftest import login, nothing_written
from tests.factories import resident_id
from tests.journey import called, handed_over

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "onevisit"
BAD_DATE = "2026-13-40"


# ---- the form helpers -----------------------------------------------------------------------------------------


class _Sample(PageForm):
    due = Day("承诺补交日期", example="2026-12-31")
    count = Integer("重复次数")
    on = Flag("1", label="开关")
    there = Flag(None, label="已提交")
    ticks = Texts(label="材料")
    note = Text(label="说明")


def test_a_form_turns_texts_into_types_and_blank_into_none():
    data = QueryDict(mutable=True)
    data.update({"due": "2026-12-31", "count": "7", "on": "1", "there": "", "note": " 原样 "})
    data.setlist("ticks", ["a", "b"])
    got = parse(_Sample, data)
    assert got == {
        "due": date(2026, 12, 31),
        "count": 7,
        "on": True,
        "there": True,
        "ticks": ["a", "b"],
        "note": " 原样 ",
    }
    assert parse(_Sample, QueryDict("on=0")) == {
        "due": None,
        "count": None,
        "on": False,
        "there": False,
        "ticks": [],
        "note": "",
    }


def test_a_form_refuses_what_it_cannot_read_naming_each_field():
    with pytest.raises(Invalid) as err:
        parse(_Sample, QueryDict(f"due={BAD_DATE}&count=abc"))
    assert err.value.status == 422
    assert err.value.errors == {
        "due": f"承诺补交日期格式应为 2026-12-31：{BAD_DATE}",
        "count": "重复次数应为整数：abc",
    }
    assert "承诺补交日期" in err.value.message and "重复次数" in err.value.message


# ---- the two dates that were silently dropped ------------------------------------------------------------------


def _continuation_case(guide, clerk, window):
    t = called(guide, clerk, window, "gxzy")
    return handed_over(clerk, cases.accept(actor=clerk, window=window, code=t.token))


def test_a_commitment_date_the_window_cannot_read_is_refused_not_taken_as_no_date(guide, clerk, window1):
    """接续受理 with a material missing: the typed date was dropped, and the clerk told "请填写承诺补交日期"."""
    from tests.journey import everything_for

    answers = {"transferred": False, "has_housing_fund": True}
    case = _continuation_case(guide, clerk, window1)
    present = [m for m in everything_for("retirement", answers) if m != "gjj-tqsq"]
    client = login("chuangkou1")
    form = {
        "bundle": "retirement",
        "q-transferred": "false",
        "q-has_housing_fund": "true",
        "confirm": "1",
        "materials": present,
        "commitment": "on",
        "tolerance_due": BAD_DATE,
    }
    with nothing_written():
        page = client.post(f"/window/w1/cases/{case.pk}/continue/", form)
    html = page.content.decode()
    assert page.status_code == 422
    assert f"承诺补交日期格式应为 2026-12-31：{BAD_DATE}" in html
    field = re.search(r'<input type="date" id="tolerance-due"[^>]*>', html).group(0)
    assert f'value="{BAD_DATE}"' in field and 'aria-invalid="true"' in field
    case.refresh_from_db()
    assert case.bundle is None or case.bundle.code != "retirement"


def test_a_commitment_date_the_desk_cannot_read_is_refused_not_taken_as_no_date(guide_client):
    data = {
        "name": "孙八",
        "resident_id": resident_id(),
        "phone": "13812340000",
        "channel": "window",
        "materials": ["hkb", "zp"],
        "commitment": "on",
        "tolerance_due": BAD_DATE,
    }
    with nothing_written():
        page = guide_client.post("/guide/matters/cbdj/", data)
    html = page.content.decode()
    assert page.status_code == 422
    assert f"承诺补交日期格式应为 2026-12-31：{BAD_DATE}" in html
    field = re.search(r'<input type="date" id="tolerance_due"[^>]*>', html).group(0)
    assert f'value="{BAD_DATE}"' in field and 'aria-invalid="true"' in field and "autofocus" in field


def test_a_good_commitment_date_at_the_desk_is_still_taken(guide_client):
    due = clock.local_date() + timedelta(days=3)
    data = {
        "name": "孙八",
        "resident_id": resident_id(),
        "phone": "13812340000",
        "channel": "window",
        "materials": ["hkb", "zp"],
        "commitment": "on",
        "tolerance_due": due.isoformat(),
    }
    assert guide_client.post("/guide/matters/cbdj/", data).status_code == 302


def test_a_booking_day_the_page_cannot_read_is_said_not_silently_replaced(hall, client):
    matter = client.get(f"/book/{hall.code}/").content.decode()
    code = re.search(r'href="\?matter=([^"]+)"', matter).group(1)
    page = client.get(f"/book/{hall.code}/?matter={code}&day={BAD_DATE}")
    html = page.content.decode()
    assert page.status_code == 422 and f"预约日期格式应为 2026-11-02：{BAD_DATE}" in html
    assert "请选择日期" in html  # the days to choose from, as before
    with nothing_written():
        posted = client.post(
            f"/book/{hall.code}/",
            {
                "matter": code,
                "day": BAD_DATE,
                "slot": "1",
                "name": "孙八",
                "resident_id": resident_id(),
                "phone": "13812340000",
            },
        )
    assert posted.status_code == 422 and not Appointment.objects.exists()


# ---- every page edge: nonsense is a 4xx naming the problem, nothing written -------------------------------------


def test_the_window_refuses_nonsense_and_writes_nothing(guide, clerk, window1):
    case = _continuation_case(guide, clerk, window1)
    client = login("chuangkou1")
    base = f"/window/w1/cases/{case.pk}"
    for url, data, said in [
        ("/window/w1/scan/", {"code": "Z999"}, "未找到小票"),
        ("/window/w1/accept/", {"code": "Z999"}, "未找到小票"),
        (f"{base}/deliver/", {"method": "teleport"}, ""),
        (f"{base}/correct/", {"via": "pigeon"}, ""),
        (f"{base}/outlier/", {"note": ""}, ""),
        (f"{base}/continue/", {"bundle": "nosuch"}, ""),
    ]:
        with nothing_written():
            page = client.post(url, data)
        assert 400 <= page.status_code < 500, (url, page.status_code)
        assert said in page.content.decode(), url


def test_the_back_office_refuses_a_day_count_it_cannot_read_naming_it(guide, clerk, window1):
    case = _continuation_case(guide, clerk, window1)
    office = login("houtai1")
    task = case.tasks.get().pk
    with nothing_written():
        page = office.post(
            f"/office/tasks/{task}/verify/",
            {"department": "区人力资源和社会保障局", "question": "核实", "due_days": "abc"},
        )
    assert page.status_code == 422 and "答复期限应为整数：abc" in page.content.decode()
    with nothing_written():
        page = office.post(f"/office/tasks/{task}/return/", {"reasons": ""})
    assert page.status_code == 422


def test_the_plan_refuses_a_replication_count_it_cannot_read_naming_it(analyst_of_empty_hall):
    page = analyst_of_empty_hall.get("/planning/?replications=many")
    assert page.status_code == 422 and "重复次数应为整数：many" in page.content.decode()
    page = analyst_of_empty_hall.get(f"/planning/?from={BAD_DATE}")
    assert page.status_code == 422 and f"日期格式应为 2026-11-02：{BAD_DATE}" in page.content.decode()


def test_the_review_names_each_date_it_cannot_read(analyst_of_empty_hall):
    page = analyst_of_empty_hall.get(f"/metrics/review/?from={BAD_DATE}&base_to=soon")
    html = page.content.decode()
    assert page.status_code == 422
    assert f"日期格式应为 2026-11-02：{BAD_DATE}" in html and "日期格式应为 2026-11-02：soon" in html


def test_a_permanent_publication_ignores_the_end_date_field_as_before():
    """ends_on is read only for a temporary change: a leftover value never stops a standing publication."""
    from onevisit.catalog.forms import PublishForm

    assert parse(PublishForm, QueryDict(f"ends_on={BAD_DATE}"))["ends_on"] is None
    with pytest.raises(Invalid) as err:
        parse(PublishForm, QueryDict(f"temporary=on&ends_on={BAD_DATE}"))
    assert err.value.errors == {"ends_on": f"截止日期格式应为 2026-12-31：{BAD_DATE}"}


# ---- no view reads request.POST / request.GET by hand -----------------------------------------------------------

# Where a Form cannot apply, and why:
#  - cases/views.py `_submitted(request.POST)`: the merged form's fields are the case's own (field dictionary,
#    per matter); services.save_draft checks each against its rule, for the page and the API alike.
#  - catalog.services.answers_from_query(request.GET / request.POST): the situation answers (q-<question>) are
#    read against the bundle's own questions; the catalog's situation rules then check them (notice, desk, window).
#  - catalog/views.py: a matter's notice refuses q-… answers (a matter has no situation questions).
#  - queueing/admin.py: the admin action's own page binds its GenerateForm only once "apply" was pressed.
# Passing request.GET / request.POST whole to a template (what was typed, shown back) or urlencode() (the same
# query on the export links) reads nothing.
RAW_READ = re.compile(
    r"request\.(POST|GET)(\[|\.get\(|\.getlist\(|\.items\(|\.dict\(|\.lists\()|in request\.(POST|GET)"
)
ALLOWED = {
    ("catalog/views.py", "extra = [k for k in request.GET if k.startswith(ANSWER_PREFIX)]"),
    ("queueing/admin.py", 'request.POST if "apply" in request.POST else None,'),
}


def test_no_page_reads_its_inputs_by_hand():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("simulators/") or rel == "accounts/pages.py":
            continue
        for line in path.read_text().splitlines():
            if RAW_READ.search(line) and (rel, line.strip()) not in ALLOWED:
                found.append(f"{rel}: {line.strip()}")
    assert found == []


def test_the_case_page_is_rendered_by_a_plain_helper_not_by_unwrapping_the_view():
    assert "__wrapped__" not in (SRC / "cases" / "views.py").read_text()
