"""Issue 16, hole 9: one check (core.freetext over core.ids) for every free-text field; it folds spaces, dashes
and full-width digits before looking for resident IDs and mobile numbers, and so do emit() and the log filter."""

import io
import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from onevisit.accounts.services import actor_for
from onevisit.cases import services
from onevisit.cases.models import CaseReturn, Verification
from onevisit.core.errors import Invalid
from onevisit.core.event_types import EventContractError
from onevisit.core.events import emit
from onevisit.core.ids import contains_personal_number, redact
from onevisit.intake import services as intake
from tests.conftest import login, nothing_written
from tests.journey import called, handed_over

RID = "11010519491231002X"
DISGUISED = [
    RID,
    "110105 19491231 002X",
    "110105-19491231-002x",
    "１１０１０５１９４９１２３１００２Ｘ",
    "13800138000",
    "1380 0138 000",
    "138-0013-8000",
    "１３８-0013-8000",
    "１３８　００１３　８０００",
    "+86 138 0013 8000",
]


@pytest.mark.parametrize("number", DISGUISED)
def test_spaced_dashed_and_full_width_numbers_are_found_and_masked(number):
    text = f"办事人说：{number}，请回电"
    assert contains_personal_number(text)
    masked = redact(text)
    assert not contains_personal_number(masked)
    assert "****" in masked and masked.startswith("办事人说：") and masked.endswith("，请回电")


@pytest.mark.parametrize(
    "text", ["2026-12-05 14:20 到窗口", "材料 3 份，第 2 页", "受理编号 A023-0001", "退休一件事"]
)
def test_ordinary_text_with_digits_is_not_taken_for_a_number(text):
    assert not contains_personal_number(text)
    assert redact(text) == text


def test_the_one_check_refuses_or_masks_by_field():
    from onevisit.core.freetext import free_text

    with pytest.raises(Invalid) as refused:
        free_text("回电 1380 0138 000", field="note", label="备注", max_length=200)
    assert list(refused.value.errors) == ["note"] and "备注中不能写身份证号或手机号" in refused.value.message
    assert (
        free_text("回电  1380 0138 000", field="reasons", label="理由", max_length=200, mask=True)
        == "回电 138****8000"
    )


def _actor(username):
    return actor_for(get_user_model().objects.get(username=username))


@pytest.fixture
def case(guide, clerk, window1):
    t = called(guide, clerk, window1, "gxzy")
    return handed_over(clerk, services.accept(actor=clerk, window=window1, code=t.token))


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["1380 0138 000", "１３８-0013-8000", "110105 19491231 002X"])
def test_outlier_note_verification_question_and_consultation_refuse_a_disguised_number(case, guide, number):
    office = login("houtai1")
    clerk_page = login("chuangkou1")
    task = case.tasks.get()
    with nothing_written():
        with pytest.raises(Invalid) as err:
            services.flag_outlier(actor=_actor("chuangkou1"), case_id=case.pk, note=f"系统故障 {number}")
        assert list(err.value.errors) == ["note"]
        page = clerk_page.post(
            f"/window/w1/cases/{case.pk}/outlier/", {"note": f"系统故障 {number}"}, follow=True
        )
        assert "不能写身份证号或手机号" in page.content.decode()
        with pytest.raises(Invalid) as err:
            services.request_verification(
                actor=_actor("houtai1"), task_id=task.pk, department="rsj", question=f"核实 {number}"
            )
        assert list(err.value.errors) == ["question"]
        page = office.post(
            f"/office/tasks/{task.pk}/verify/", {"department": "rsj", "question": f"核实 {number}"}
        )
        assert page.status_code == 422 and "核验事项中不能写身份证号或手机号" in page.content.decode()
        with pytest.raises(Invalid) as err:
            intake.record_consultation(actor=guide, matter_code="gxzy", note=f"回电 {number}")
        assert list(err.value.errors) == ["note"]


@pytest.mark.django_db
def test_return_reasons_and_verification_answers_keep_a_disguised_number_masked(case):
    task = case.tasks.get()
    v = services.request_verification(
        actor=_actor("houtai1"), task_id=task.pk, department="rsj", question="核实"
    )
    services.answer_verification(
        actor=_actor("houtai2"),
        verification_id=v.pk,
        confirmed=False,
        answer="单位电话 １３８-0013-8000 不符",
    )
    assert Verification.objects.get(pk=v.pk).answer == "单位电话 138****8000 不符"
    services.return_task(actor=_actor("houtai1"), task_id=task.pk, reasons="请补 110105 19491231 002X 的证明")
    assert CaseReturn.objects.get(case=case).reasons == "请补 1101**********002X 的证明"


@pytest.mark.django_db
def test_emit_refuses_a_spaced_phone_in_a_payload():
    with transaction.atomic(), pytest.raises(EventContractError):
        emit("case.outlier_flagged", hall="h1", case="1", data={"note": "回电 1380 0138 000"})
    with transaction.atomic(), pytest.raises(EventContractError):
        emit("case.outlier_flagged", hall="h1", case="1", data={"note": "回电 １３８-0013-8000"})


def test_the_log_filter_masks_a_spaced_or_full_width_number(caplog):
    from onevisit.core.logging import RedactPersonalData

    logger = logging.getLogger("onevisit.test.freetext")
    logger.addFilter(RedactPersonalData())
    with caplog.at_level(logging.INFO, logger="onevisit.test.freetext"):
        logger.info("lookup %s phone %s", "110105 19491231 002X", "１３８-0013-8000")
    assert not contains_personal_number(caplog.text)
    assert "1101**********002X" in caplog.text and "138****8000" in caplog.text


def test_the_demo_banner_prints_no_full_resident_id(settings, catalog):
    settings.ONEVISIT_DEMO = True
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "demo data ready" in out.getvalue()
    assert not contains_personal_number(out.getvalue())


@pytest.mark.django_db
def test_a_not_applicable_reason_refuses_a_disguised_number(guide):
    from tests.journey import prereview

    with nothing_written(), pytest.raises(Invalid) as err:
        prereview(guide, "gxzy", present=["sqb"], not_applicable={"jfpz": "本人 １３８-0013-8000 说不用"})
    assert list(err.value.errors) == ["na-jfpz"] and "不要填写身份证号或手机号" in err.value.message
