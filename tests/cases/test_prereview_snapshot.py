"""The pre-review keeps what it judged (issue 15.3): the window and the case file read that, not today's catalog."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from onevisit.accounts import roles
from onevisit.cases import casefile
from onevisit.cases import services as cases
from onevisit.catalog import services as checklists
from onevisit.catalog.models import Material, Matter
from onevisit.intake import services as intake
from onevisit.intake.models import PreReview
from onevisit.intake.rules import Verdict
from onevisit.queueing import services as queueing
from tests.factories import UserFactory, resident_id
from tests.journey import prereview

JUDGED_CBDJ = ["居民身份证", "劳动合同或用工证明", "户口簿(首页及本人页)", "近期一寸免冠照片"]


@pytest.fixture
def republish(catalog):
    """The legal section republishes 参保登记: the photo renamed and no longer tolerable, a new item."""
    editor = UserFactory(username="it-editor")
    legal = UserFactory(username="legal-officer")
    legal.groups.add(Group.objects.get_or_create(name=roles.LEGAL)[0])

    def run():
        matter = Matter.objects.get(code="cbdj")
        draft = checklists.open_draft(matter=matter, user=editor)
        photo = draft.materials.get(code="zp")
        photo.name, photo.tolerable = "近期二寸免冠照片", False
        photo.save()
        Material.objects.create(checklist=draft, matter=matter, code="jzz", name="居住证", position=9)
        checklists.submit(version=draft, user=editor)
        return checklists.publish(version=draft, user=legal)

    return run


def _accept(clerk, window, pr):
    assert queueing.call_next(window=window, actor=clerk) == pr.ticket
    return cases.accept(actor=clerk, window=window, code=pr.ticket.token)


def test_the_pre_review_keeps_the_versions_and_the_materials_it_judged(guide):
    pr = prereview(guide, "cbdj", present=["ldht"])  # 户口簿 and 照片 tolerable, promised
    assert pr.checklists == {"cbdj": checklists.published_checklist(Matter.objects.get(code="cbdj")).pk}
    states = {row["code"]: row["state"] for row in pr.judged}
    assert states == {"sfz": "shared", "ldht": "brought", "hkb": "tolerated", "zp": "tolerated"}
    hkb = next(row for row in pr.judged if row["code"] == "hkb")
    assert (hkb["name"], hkb["tolerable"], hkb["original"], hkb["matters"]) == (
        "户口簿(首页及本人页)",
        True,
        True,
        ["cbdj"],
    )
    pr.refresh_from_db()
    assert [m.name for m in intake.materials_of(pr)] == JUDGED_CBDJ


def test_incomplete_and_not_applicable_are_kept_as_judged(guide):
    incomplete = prereview(guide, "cbdj", present=["hkb"])
    assert {r["code"]: r["state"] for r in incomplete.judged} == {
        "sfz": "shared",
        "ldht": "missing",
        "hkb": "brought",
        "zp": "missing",
    }
    na = prereview(guide, "cbdj", present=["hkb", "zp"], not_applicable={"ldht": "灵活就业人员"})
    assert {r["code"]: r["state"] for r in na.judged}["ldht"] == "not_applicable"


def test_a_checklist_republished_between_desk_and_window_does_not_change_the_case(
    guide, clerk, window1, republish
):
    pr = prereview(guide, "cbdj", present=["ldht"])
    republish()  # between the desk and the window
    case = _accept(clerk, window1, pr)  # before: refused, 照片 "不可容缺" by today's checklist
    assert sorted(case.commitments.values_list("material", "name")) == [
        ("hkb", "户口簿(首页及本人页)"),
        ("zp", "近期一寸免冠照片"),
    ]
    materials = casefile.build(case).materials
    assert [m.name for m in materials] == JUDGED_CBDJ  # no 居住证: the desk never asked for it
    assert [m.state for m in materials] == ["免提交", "已收", "容缺待补", "容缺待补"]


def test_matters_joined_to_a_waiting_ticket_extend_the_snapshot(guide, republish):
    rid = resident_id()
    first = prereview(guide, "cbdj", rid=rid)
    republish()  # what the first pre-review judged stays as it was
    joined = prereview(guide, "gxzy", rid=rid, present=["jfpz"], join_waiting=True)
    assert joined.pk == first.pk
    joined.refresh_from_db()
    assert (
        set(joined.checklists) == {"cbdj", "gxzy"} and joined.checklists["cbdj"] == first.checklists["cbdj"]
    )
    states = {r["code"]: r["state"] for r in joined.judged}
    assert states == {
        "sfz": "shared",
        "ldht": "brought",
        "hkb": "brought",
        "zp": "brought",
        "jfpz": "brought",
        "sqb": "tolerated",
    }
    assert next(r for r in joined.judged if r["code"] == "sfz")["matters"] == ["cbdj", "gxzy"]
    assert "近期一寸免冠照片" in [m.name for m in intake.materials_of(joined)]


def test_the_migration_rebuilds_the_snapshot_of_earlier_pre_reviews(guide, clerk, window1, republish):
    pr = prereview(guide, "cbdj", present=["ldht"])
    judged, versions = pr.judged, pr.checklists
    PreReview.objects.filter(pk=pr.pk).update(judged=[], checklists={})  # as kept before snapshots
    republish()
    migration = importlib.import_module("onevisit.intake.migrations.0007_prereview_snapshot")
    migration.fill(apps, None)
    pr.refresh_from_db()
    assert pr.checklists == versions  # the version in force at the pre-review, not the one published since
    assert pr.judged == judged
    case = _accept(clerk, window1, pr)
    assert sorted(case.commitments.values_list("material", flat=True)) == ["hkb", "zp"]


def test_one_verdict_for_the_desk_the_stored_pre_review_and_the_events(guide):
    field = PreReview._meta.get_field("verdict")
    assert field.choices == [("complete", "材料齐全"), ("tolerance", "容缺受理"), ("incomplete", "材料不齐")]
    assert not hasattr(PreReview, "Verdict")
    pr = prereview(guide, "cbdj", present=["ldht"])
    assert (
        pr.verdict == Verdict.TOLERANCE and pr.get_verdict_display() == Verdict.TOLERANCE.label == "容缺受理"
    )


def test_pre_review_and_acceptance_query_counts(guide, clerk, window1, django_assert_max_num_queries):
    """Issue 21 wants a pre-review in ≤10 queries later; the snapshot must not add any, and acceptance with
    tolerance no longer resolves the catalog again (32 and 23 queries; before the snapshot 32 and 28)."""
    prereview(guide, "cbdj")  # the hall's first ticket of the day costs more
    _accept(clerk, window1, PreReview.objects.get())
    with django_assert_max_num_queries(32):
        pr = prereview(guide, "cbdj", present=["ldht"])
    assert queueing.call_next(window=window1, actor=clerk) == pr.ticket
    with django_assert_max_num_queries(23):
        cases.accept(actor=clerk, window=window1, code=pr.ticket.token)


def test_the_window_shows_the_checklist_the_desk_judged(guide, clerk, window1, clerk_client, republish):
    case = _accept(clerk, window1, prereview(guide, "cbdj"))
    republish()  # while the citizen is at the window
    html = clerk_client.get(f"/window/{window1.code}/cases/{case.pk}/").content.decode()
    assert "近期一寸免冠照片" in html and "近期二寸免冠照片" not in html and "居住证" not in html
    fresh = _accept(clerk, window1, prereview(guide, "cbdj"))  # judged after the republication: the new list
    html = clerk_client.get(f"/window/{window1.code}/cases/{fresh.pk}/").content.decode()
    assert "近期二寸免冠照片" in html and "居住证" in html
