"""The legal section's workflow: draft → submitted → published (legal role) → superseded; monthly checks."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group

from onevisit.accounts import roles
from onevisit.catalog import services
from onevisit.catalog.models import ChecklistCheck, ImmutableError, Material, Matter
from onevisit.core import clock
from onevisit.core.errors import Conflict, Forbidden, Invalid
from onevisit.core.models import Event
from tests.conftest import login, nothing_written
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def legal(catalog):
    user = UserFactory(username="legal-officer")
    user.groups.add(Group.objects.get_or_create(name=roles.LEGAL)[0])
    return user


@pytest.fixture
def editor(catalog):
    return UserFactory(username="it-editor")


@pytest.fixture
def matter(catalog):
    return Matter.objects.get(code="cbdj")


def _draft_with_change(matter, editor):
    draft = services.open_draft(matter=matter, user=editor)
    photo = draft.materials.get(code="zp")
    photo.copies = 3
    photo.save()
    Material.objects.create(checklist=draft, matter=matter, code="jzz", name="居住证", position=9)
    return draft


def test_a_published_version_never_changes(matter):
    published = services.published_checklist(matter)
    material = published.materials.first()
    material.name = "篡改"
    with pytest.raises(ImmutableError):
        material.save()
    with pytest.raises(ImmutableError):
        material.delete()
    assert published.materials.first().name != "篡改"


def test_draft_submit_publish_supersedes_and_records_the_change(matter, editor, legal):
    old = services.published_checklist(matter)
    draft = _draft_with_change(matter, editor)
    assert draft.number == old.number + 1 and services.open_draft(matter=matter, user=editor) == draft
    services.submit(version=draft, user=editor)
    services.publish(version=draft, user=legal)
    old.refresh_from_db()
    draft.refresh_from_db()
    assert (old.status, draft.status, draft.published_by) == ("superseded", "published", legal)
    assert services.published_checklist(matter) == draft
    assert [m.code for m in services.materials_of(matter)][-1] == "jzz"
    changes = Event.objects.filter(type="checklist.published", matter="cbdj").last().data["changes"]
    assert "新增材料「居住证」" in changes and "材料「近期一寸免冠照片」份数：2 → 3" in changes
    assert [c.sentence for c in services.diff(old, draft)] == changes


def test_only_the_legal_role_publishes(matter, editor):
    draft = _draft_with_change(matter, editor)
    services.submit(version=draft, user=editor)
    with nothing_written(), pytest.raises(Forbidden, match="法制审核"):
        services.publish(version=draft, user=editor)


def test_a_temporary_change_needs_a_filing_number_and_a_reason(matter, editor, legal):
    draft = _draft_with_change(matter, editor)
    services.submit(version=draft, user=editor)
    with nothing_written(), pytest.raises(Invalid) as err:
        services.publish(version=draft, user=legal, temporary=True, reason="")
    assert set(err.value.errors) == {"filing_number", "reason", "ends_on"}
    yesterday = clock.local_date() - timedelta(days=1)
    with nothing_written(), pytest.raises(Invalid, match="已过") as err:
        services.publish(
            version=draft, user=legal, temporary=True, filing_number="备", reason="因", ends_on=yesterday
        )
    assert set(err.value.errors) == {"ends_on"}
    services.publish(
        version=draft,
        user=legal,
        temporary=True,
        filing_number="备2026-118",
        reason="疫情期间容缺",
        ends_on=clock.local_date() + timedelta(days=30),
    )
    draft.refresh_from_db()
    assert draft.temporary and draft.filing_number == "备2026-118" and draft.status == "temporary"


def test_only_submitted_versions_publish_and_only_drafts_submit(matter, editor, legal):
    draft = _draft_with_change(matter, editor)
    with nothing_written(), pytest.raises(Conflict, match="只有已提交审核的版本可以发布"):
        services.publish(version=draft, user=legal)
    services.submit(version=draft, user=editor)
    with pytest.raises(Conflict, match="只有草稿可以提交"):
        services.submit(version=draft, user=editor)
    with pytest.raises(Conflict, match="待审核"):
        services.open_draft(matter=matter, user=editor)


def test_monthly_check_lists_what_is_due_and_records_once(matter, legal, editor):
    due = services.checks_due()
    assert matter in due
    check = services.record_check(matter=matter, user=legal, result="ok", note="与2026-11版条款一致")
    assert check.month == services.current_month() and check.checklist == services.published_checklist(matter)
    assert matter not in services.checks_due()
    with nothing_written(), pytest.raises(Conflict, match="已核查"):
        services.record_check(matter=matter, user=legal, result="ok")
    with pytest.raises(Forbidden):
        services.record_check(matter=Matter.objects.get(code="gxzy"), user=editor, result="ok")
    with pytest.raises(Invalid):
        services.record_check(matter=Matter.objects.get(code="gxzy"), user=legal, result="fine")
    assert ChecklistCheck.objects.count() == 1


def test_review_pages_for_the_legal_section(hall, matter, editor):
    draft = _draft_with_change(matter, editor)
    services.submit(version=draft, user=editor)
    client = login("fazhi")
    page = client.get("/notice/review/").content.decode()
    assert "参保登记 第2版" in page and "月度核查" in page
    assert client.post(f"/notice/review/versions/{draft.pk}/publish/", follow=True).status_code == 200
    draft.refresh_from_db()
    assert draft.status == "published"
    diff = client.get("/notice/review/matters/cbdj/versions/", {"a": 1, "b": 2}).content.decode()
    assert "新增材料「居住证」" in diff
    client.post("/notice/review/matters/cbdj/check/", {"result": "ok"})
    assert ChecklistCheck.objects.filter(matter=matter).exists()
    assert login("chuangkou1").get("/notice/review/").status_code == 403


def test_a_rejection_reason_with_a_disguised_resident_id_is_refused(matter, editor, legal):
    """Issue 16, hole 9: the legal section's reason is free text like any other, checked by core.freetext."""
    draft = _draft_with_change(matter, editor)
    services.submit(version=draft, user=editor)
    with nothing_written(), pytest.raises(Invalid) as err:
        services.reject(version=draft, user=legal, reason="申请人 110105 19491231 002X 的材料不全")
    assert list(err.value.errors) == ["reason"] and "身份证号" in err.value.message
