"""The back office sees what the ferry found before it approves: 王桂英's transfer without active insurance."""

import pytest

from onevisit.cases import services as cases
from tests.conftest import login
from tests.ferry.conftest import WANG, accepted, drain
from tests.journey import handed_over

pytestmark = pytest.mark.django_db

FAILED = "关系转移要求参保状态为“正常参保”"


def test_a_failed_exchange_check_is_highlighted_on_the_task_page_and_in_the_api(ferry, guide, clerk, window1):
    case = handed_over(clerk, accepted(guide, clerk, window1, "gxzy", rid=WANG, name="王桂英"))
    drain()
    task = case.tasks.get()
    office = login("houtai1")
    page = office.get(f"/office/tasks/{task.pk}/").content.decode()
    summary = page.split('id="failed-checks"', 1)[1].split("</div>", 1)[0]
    assert FAILED in summary and "参保状态" in summary  # at the top, before the form and the decisions
    assert page.index('id="failed-checks"') < page.index("审批通过")
    assert "暂停参保" in page and "杭州市西湖区" in page  # the values the back end returned
    assert "王*" in page and WANG not in page and "王桂英" not in page  # masked, the ferry's name too
    body = office.get(f"/api/cases/office/tasks/{task.pk}").json()
    assert any(FAILED in f for f in body["failed_checks"])
    checks = {c["title"]: c for c in body["checks"]}
    assert {"level": "error", "message": FAILED} in checks["参保状态"]["findings"]
    assert WANG not in str(body) and "王桂英" not in str(body)
    cases.case_form(case)  # the window's form is untouched by reading the case file


def test_the_seed_registration_note_shows_only_for_a_status_that_is_not_normal():
    """The walk saw 参保状态：正常参保 with “已有参保记录但状态非正常” right under it: the seed check said the opposite."""
    from datetime import date
    from pathlib import Path

    import yaml

    from onevisit.ferry.rules import evaluate

    doc = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "data/ferry/field-sets.yaml").read_text("utf-8")
    )
    checks = next(s for s in doc["field_sets"] if s["code"] == "insurance_status")["checks"]

    def notes(status):
        return [
            f.message
            for f in evaluate(
                {"insurance_status": status},
                checks=checks,
                matters=["cbdj"],
                resident_id="11010519491231002X",
                case_values={},
                today=date(2026, 12, 5),
            )
            if f.level == "info"
        ]

    assert notes("正常参保") == []
    assert notes("暂停参保") == ["已有参保记录但状态非正常，办理时按续保处理"]
