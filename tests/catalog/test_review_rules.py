"""The legal section's review (issue 14): rejection with a reason, four eyes everywhere, temporary changes that end."""

import json
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from onevisit.accounts import roles
from onevisit.catalog import services
from onevisit.catalog.models import ChecklistVersion, Material, Matter
from onevisit.core import clock
from onevisit.core.errors import Conflict, Forbidden, Invalid
from onevisit.core.models import Event
from tests.conftest import code_given, nothing_written
from tests.factories import DepartmentFactory, StaffFactory, UserFactory, signed_in

pytestmark = pytest.mark.django_db


def _legal(username: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get_or_create(name=roles.LEGAL)[0])
    return user


@pytest.fixture
def matter(catalog):
    return Matter.objects.get(code="cbdj")


@pytest.fixture
def fazhi():
    """A reviewer of the legal section (法制科), signed in to a hall of their own: no demo hall is needed."""
    return StaffFactory(legal=True)


@pytest.fixture
def admin():
    """The IT centre's administrator, who drafts checklists in the admin."""
    return StaffFactory(admin=True)


def _submitted(matter, drafter, *, submitter=None, add="jzz"):
    """A draft with one material added by `drafter`, submitted by `submitter` (the drafter by default)."""
    draft = services.open_draft(matter=matter, user=drafter)
    Material.objects.create(checklist=draft, code=add, name="居住证", position=9)
    return services.submit(version=draft, user=submitter or drafter)


def _codes(matter) -> list[str]:
    return [m.code for m in services.materials_of(matter)]


# ---- rejection --------------------------------------------------------------------------------------------------


def test_a_submitted_version_is_returned_with_its_reason_and_the_drafter_edits_and_resubmits(matter):
    drafter, reviewer = UserFactory(username="it-editor"), _legal("legal-a")
    version = _submitted(matter, drafter)
    with nothing_written(), pytest.raises(Invalid) as err:
        services.reject(version=version, user=reviewer, reason="  ")
    assert err.value.errors == {"reason": "退回须说明理由"}
    with nothing_written(), pytest.raises(Forbidden, match="法制审核"):
        services.reject(version=version, user=drafter, reason="自己退回")

    services.reject(version=version, user=reviewer, reason="居住证须注明有效期内")
    version.refresh_from_db()
    assert (version.status, version.rejection_reason, version.rejected_by) == (
        "rejected",
        "居住证须注明有效期内",
        reviewer,
    )
    event = Event.objects.get(type="checklist.rejected")
    assert event.matter == "cbdj" and event.actor == "legal-a"
    assert event.data == {
        "version": version.number,
        "reason": "居住证须注明有效期内",
        "content_hash": version.content_hash,
    }
    assert services.published_checklist(matter).number == version.number - 1  # nothing published

    # back with its drafter: editable, the matter's draft, and it can be submitted again
    assert services.open_draft(matter=matter, user=drafter) == version
    added = version.materials.get(code="jzz")
    added.note = "有效期内"
    added.save()
    with nothing_written(), pytest.raises(Conflict, match="只有已提交审核的版本可以退回"):
        services.reject(version=version, user=reviewer, reason="再退")
    services.submit(version=version, user=drafter)
    services.publish(version=version, user=reviewer)
    assert services.published_checklist(matter) == version


def test_the_legal_page_returns_a_version_and_the_drafter_reads_why_in_the_admin(matter, fazhi, admin):
    version = _submitted(matter, admin.user)  # the IT centre drafts in the admin
    drafter, fazhi = signed_in(admin), signed_in(fazhi)
    page = fazhi.get("/notice/review/").content.decode()
    assert "退回修改" in page and 'name="rejection_reason"' in page

    with nothing_written():
        refused = fazhi.post(f"/notice/review/versions/{version.pk}/reject/", {"rejection_reason": ""})
    assert refused.status_code == 422
    body = refused.content.decode()
    assert "退回须说明理由" in body and f'aria-describedby="reject-{version.pk}-error"' in body

    done = fazhi.post(f"/notice/review/versions/{version.pk}/reject/", {"rejection_reason": "照片规格写错了"})
    assert done.status_code == 302
    assert (
        "照片规格写错了" in fazhi.get("/notice/review/").content.decode()
    )  # listed as waiting for its drafter

    listing = drafter.get("/admin/catalog/checklistversion/").content.decode()
    assert "已退回修改" in listing and "照片规格写错了" in listing
    change = drafter.get(f"/admin/catalog/checklistversion/{version.pk}/change/").content.decode()
    assert "法制审核意见" in change and "照片规格写错了" in change
    assert 'name="materials-TOTAL_FORMS"' in change and "materials-0-code" in change  # editable again


def test_the_admin_returns_a_version_after_asking_for_the_reason(matter, admin):
    version = _submitted(matter, UserFactory(username="it-editor"))
    admin.user.groups.add(Group.objects.get(name=roles.LEGAL))
    admin = signed_in(admin)
    url = "/admin/catalog/checklistversion/"
    asked = admin.post(url, {"action": "reject", "_selected_action": [version.pk]})
    assert asked.status_code == 200 and 'name="rejection_reason"' in asked.content.decode()
    with nothing_written():
        empty = admin.post(url, {"action": "reject", "_selected_action": [version.pk], "apply": "1"})
    assert empty.status_code == 422 and "退回须说明理由" in empty.content.decode()
    admin.post(
        url,
        {"action": "reject", "_selected_action": [version.pk], "apply": "1", "rejection_reason": "缺条款"},
    )
    version.refresh_from_db()
    assert version.status == "rejected" and version.rejection_reason == "缺条款"


def test_the_api_returns_a_version_with_a_reason(matter, fazhi):
    version = _submitted(matter, UserFactory(username="it-editor"))
    fazhi = signed_in(fazhi)
    url = f"/api/catalog/review/versions/{version.pk}/reject"
    with nothing_written():
        blank = fazhi.post(url, json.dumps({"reason": ""}), content_type="application/json")
    assert blank.status_code == 422 and blank.json()["errors"]
    assert (
        signed_in(StaffFactory(clerk=True))
        .post(url, json.dumps({"reason": "x"}), content_type="application/json")
        .status_code
        == 403
    )
    ok = fazhi.post(url, json.dumps({"reason": "缺条款"}), content_type="application/json")
    assert (
        ok.status_code == 200
        and ok.json()["status"] == "rejected"
        and ok.json()["rejection_reason"] == "缺条款"
    )


# ---- four eyes --------------------------------------------------------------------------------------------------


def test_no_one_publishes_a_version_they_drafted_edited_or_submitted(matter):
    opener, editor, submitter, reviewer = (
        _legal(n) for n in ("legal-open", "legal-edit", "legal-submit", "legal-b")
    )
    version = _submitted(matter, opener, submitter=submitter)
    services.note_edit(version=version, user=editor)
    for author in (opener, editor, submitter):
        with nothing_written(), pytest.raises(Forbidden, match="四眼原则"):
            services.publish(version=version, user=author)
    services.publish(version=version, user=reviewer)
    version.refresh_from_db()
    assert version.status == "published" and version.published_by == reviewer


def test_a_superuser_of_the_legal_section_cannot_publish_their_own_draft_either(matter, admin):
    admin = admin.user
    admin.is_superuser = (
        True  # the demo's administrator is no superuser any more (三员分立); an IT account may be
    )
    admin.save()
    assert admin.is_superuser
    admin.groups.add(Group.objects.get(name=roles.LEGAL))
    version = _submitted(matter, admin)
    with nothing_written(), pytest.raises(Forbidden, match="四眼原则"):
        services.publish(version=version, user=admin)


def test_the_legal_page_will_not_publish_the_reviewer_s_own_draft(matter, fazhi):
    version = _submitted(matter, fazhi.user)
    client = signed_in(fazhi)
    page = client.get("/notice/review/").content.decode()
    assert "四眼原则" in page and f'action="/notice/review/versions/{version.pk}/publish/"' not in page
    with nothing_written():
        refused = client.post(f"/notice/review/versions/{version.pk}/publish/")
    assert refused.status_code == 403 and "四眼原则" in refused.content.decode()
    assert ChecklistVersion.objects.get(pk=version.pk).status == "submitted"


def test_the_admin_will_not_publish_a_version_its_user_drafted_there(matter, admin):
    from tests.catalog.test_legal_admin import add_inline_row, admin_form_data

    admin.user.groups.add(Group.objects.get(name=roles.LEGAL))
    admin = signed_in(admin)
    draft = services.open_draft(
        matter=matter, user=None
    )  # opened by an import, so only the admin edit counts
    url = f"/admin/catalog/checklistversion/{draft.pk}/change/"
    data = add_inline_row(
        admin_form_data(admin.get(url)), "materials", position="9", code="jzz", name="居住证", copies="1"
    )
    assert admin.post(url, {**data, "_save": "保存"}).status_code == 302
    services.submit(version=draft, user=None)
    with nothing_written():
        page = admin.post(
            "/admin/catalog/checklistversion/",
            {"action": "approve_and_publish", "_selected_action": [draft.pk]},
            follow=True,
        ).content.decode()
    assert "四眼原则" in page and ChecklistVersion.objects.get(pk=draft.pk).status == "submitted"
    services.publish(version=draft, user=_legal("legal-c"))
    assert ChecklistVersion.objects.get(pk=draft.pk).status == "published"


def test_the_api_will_not_publish_the_caller_s_own_draft(matter, fazhi):
    version = _submitted(matter, fazhi.user)
    client = signed_in(fazhi)
    listed = client.get("/api/catalog/review/versions").json()
    assert [v["id"] for v in listed] == [version.pk]
    with nothing_written():
        refused = client.post(
            f"/api/catalog/review/versions/{version.pk}/publish", "{}", content_type="application/json"
        )
    assert refused.status_code == 403 and "四眼原则" in refused.json()["detail"]
    assert ChecklistVersion.objects.get(pk=version.pk).status == "submitted"
    other = _legal("legal-d")
    client.force_login(other)
    code_given(client, other)
    ok = client.post(
        f"/api/catalog/review/versions/{version.pk}/publish", "{}", content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["status"] == "published"


# ---- temporary changes ------------------------------------------------------------------------------------------


def _at(day, monkeypatch):
    """Move the one clock to noon of `day` (local)."""
    noon = datetime.combine(day, time(12), tzinfo=timezone.get_default_timezone())
    monkeypatch.setattr(clock, "now", lambda: noon)


def test_a_temporary_change_is_in_force_through_its_end_date_and_the_standing_version_returns_the_next_day(
    matter, fazhi, monkeypatch
):
    standing = services.published_checklist(matter)
    before = _codes(matter)
    version = _submitted(matter, UserFactory(username="it-editor"))
    ends = clock.local_date() + timedelta(days=3)
    services.publish(
        version=version,
        user=_legal("legal-e"),
        temporary=True,
        filing_number="备2026-7",
        reason="试点期间",
        ends_on=ends,
    )
    assert services.published_checklist(matter) == standing  # the standing version is kept, not superseded
    assert _codes(matter) == before + ["jzz"]
    assert Event.objects.filter(type="checklist.published").last().data["ends_on"] == ends.isoformat()

    _at(ends, monkeypatch)  # the last day: still the temporary change
    assert services.checklist_in_force(matter) == version and "jzz" in _codes(matter)
    assert "jzz" in [m.code for m in services.checklist_for_matter("cbdj").materials]

    _at(ends + timedelta(days=1), monkeypatch)  # the next day, with nothing run in between
    assert services.checklist_in_force(matter) == standing and _codes(matter) == before
    assert "jzz" not in [m.code for m in services.checklist_for_matter("cbdj").materials]
    assert "居住证" not in signed_in(StaffFactory(guide=True)).get("/notice/matters/cbdj/").content.decode()
    page = signed_in(fazhi).get("/notice/review/").content.decode()
    assert "已到期" in page and f"现行第{standing.number}版已恢复" in page


def test_the_legal_page_flags_a_running_temporary_change_with_its_end_date(matter, fazhi):
    version = _submitted(matter, UserFactory(username="it-editor"))
    ends = clock.local_date() + timedelta(days=5)
    fazhi = signed_in(fazhi)
    fazhi.post(
        f"/notice/review/versions/{version.pk}/publish/",
        {"temporary": "on", "filing_number": "备2026-9", "reason": "试点期间", "ends_on": ends.isoformat()},
    )
    version.refresh_from_db()
    assert version.status == "temporary" and version.ends_on == ends
    page = fazhi.get("/notice/review/").content.decode()
    assert f"{ends:%Y-%m-%d}" in page and "还有 5 天" in page and "备2026-9" in page
    history = fazhi.get("/notice/review/matters/cbdj/versions/").content.decode()
    assert f"至 {ends:%Y-%m-%d}" in history and "现行" in history


def test_the_legal_page_refuses_a_temporary_change_without_a_valid_end_date(matter, fazhi):
    version = _submitted(matter, UserFactory(username="it-editor"))
    fazhi = signed_in(fazhi)
    form = {"temporary": "on", "filing_number": "备", "reason": "因"}
    for ends_on, message in (
        ("", "临时调整须填写截止日期"),
        ("2026-13-40", "截止日期格式应为"),
        ("2001-01-01", "已过"),
    ):
        with nothing_written():
            refused = fazhi.post(
                f"/notice/review/versions/{version.pk}/publish/", {**form, "ends_on": ends_on}
            )
        body = refused.content.decode()
        assert refused.status_code == 422 and message in body
        assert f'aria-describedby="publish-{version.pk}-ends-error"' in body and 'value="备"' in body


def test_a_standing_publication_ends_a_running_temporary_change(matter):
    temporary = _submitted(matter, UserFactory(username="it-editor"))
    reviewer = _legal("legal-f")
    ends = clock.local_date() + timedelta(days=10)
    services.publish(
        version=temporary, user=reviewer, temporary=True, filing_number="备", reason="因", ends_on=ends
    )
    standing = _submitted(matter, UserFactory(username="it-editor-2"), add="hkb2")
    services.publish(version=standing, user=reviewer)
    temporary.refresh_from_db()
    assert temporary.status == "superseded" and services.checklist_in_force(matter) == standing
    assert Event.objects.filter(type="checklist.published").last().data["ended_temporary"] == [
        temporary.number
    ]


def test_a_temporary_change_needs_a_standing_version_to_return_to(catalog):
    matter = Matter.objects.create(code="new-matter", name="新事项", department=DepartmentFactory())
    version = _submitted(matter, UserFactory(username="it-editor"))
    with nothing_written(), pytest.raises(Conflict, match="没有现行版本"):
        services.publish(
            version=version,
            user=_legal("legal-g"),
            temporary=True,
            filing_number="备",
            reason="因",
            ends_on=clock.local_date(),
        )


def test_the_catalog_export_writes_the_standing_version_while_a_temporary_change_runs(matter, tmp_path):
    import yaml

    from onevisit.catalog.importer import export_catalog

    version = _submitted(matter, UserFactory(username="it-editor"))
    services.publish(
        version=version,
        user=_legal("legal-h"),
        temporary=True,
        filing_number="备",
        reason="因",
        ends_on=clock.local_date() + timedelta(days=5),
    )
    doc = yaml.safe_load(export_catalog(tmp_path / "out").read_text(encoding="utf-8"))
    exported = next(m for m in doc["matters"] if m["code"] == "cbdj")
    assert "jzz" not in [m["code"] for m in exported["materials"]]
