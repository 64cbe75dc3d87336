"""The seed catalog resolves in every situation; the public notice pages, API and PDFs show the result."""

import io
import itertools
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from onevisit.catalog import services
from onevisit.catalog.models import Bundle, ChecklistVersion, Matter
from onevisit.catalog.situations import answer_combinations, resolve
from tests.conftest import load_seed_catalog, login

pytestmark = pytest.mark.django_db

EXHAUSTIVE_LIMIT = 100_000  # the seed's largest bundle (restaurant) has 41,472 answer sets


def test_every_answer_combination_of_every_seed_bundle_resolves(catalog):
    """Exhaustively: every option, yes and no, number thresholds, and unanswered, for every question."""
    bundles = list(Bundle.objects.select_related("key_matter"))
    assert len(bundles) >= 13
    for bundle in bundles:
        spec = services.bundle_spec(bundle)
        specs = services.matter_specs([bm.matter for bm in spec.matters])
        tried = 0
        for answers in itertools.islice(answer_combinations(spec), EXHAUSTIVE_LIMIT + 1):
            tried += 1
            result = resolve(spec, specs, answers)
            assert set(result.matters) <= {bm.matter for bm in spec.matters}
            for code in result.matters:
                assert all(m.code and m.name for m in result.materials[code])
        assert tried <= EXHAUSTIVE_LIMIT, f"{bundle.code}: too many answer sets to try them all"


@st.composite
def bundle_and_answers(draw):
    load_seed_catalog()
    bundle = draw(st.sampled_from(sorted(Bundle.objects.values_list("code", flat=True))))
    spec = services.bundle_spec(services.get_bundle(bundle))
    answers = {}
    for q in spec.questions:
        if draw(st.booleans()):
            continue  # unanswered
        if q.kind == "yesno":
            answers[q.code] = draw(st.booleans())
        elif q.kind == "single":
            answers[q.code] = draw(st.sampled_from(q.option_codes()))
        elif q.kind == "multiple":
            answers[q.code] = draw(st.lists(st.sampled_from(q.option_codes()), min_size=1, unique=True))
        else:
            lo = int(q.min) if q.min is not None else 0
            hi = int(q.max) if q.max is not None else lo + 1000
            answers[q.code] = draw(st.integers(lo, hi))
    return bundle, answers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=bundle_and_answers())
def test_any_valid_answers_give_a_checklist_and_a_merged_form(catalog, case):
    code, answers = case
    checklist = services.checklist_for_bundle(code, answers)
    assert [m.code for m in checklist.matters] == [
        m.code for m in checklist.matters if m.code in checklist.form.pages
    ]
    assert len({m.code for m in checklist.materials}) == len(checklist.materials)
    assert checklist.form.entries_saved >= 0
    assert checklist == services.checklist_for_bundle(code, answers)  # deterministic


def test_newborn_restaurant_and_after_death_have_real_situations(catalog):
    for code in ("newborn", "restaurant", "after-death"):
        spec = services.bundle_spec(services.get_bundle(code))
        assert len(spec.questions) >= 2
        specs = services.matter_specs([bm.matter for bm in spec.matters])
        outcomes = {
            (tuple(r.matters), tuple(m.code for ms in r.materials.values() for m in ms))
            for r in (resolve(spec, specs, a) for a in itertools.islice(answer_combinations(spec), 3000))
        }
        assert len(outcomes) > 2, f"{code}: answers should change the checklist"


def test_the_checklist_api_is_public_and_names_bad_answers(client, catalog):
    spec = services.bundle_spec(services.get_bundle("newborn"))
    q = spec.questions[0]
    value = True if q.kind == "yesno" else (q.options[0].code if q.options else q.min or 1)
    ok = client.post(
        "/api/catalog/bundles/newborn/checklist",
        json.dumps({"answers": {q.code: value}}),
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["materials"] and body["form"]["entries_saved"] >= 1 and body["form"]["core"]
    unknown = client.post(
        "/api/catalog/bundles/newborn/checklist",
        json.dumps({"answers": {"pets": "cat"}}),
        content_type="application/json",
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "answers.pets"
    single = next(x for x in spec.questions if x.kind == "single")
    bad_option = client.post(
        "/api/catalog/bundles/newborn/checklist",
        json.dumps({"answers": {single.code: "no-such-option"}}),
        content_type="application/json",
    )
    assert bad_option.status_code == 422 and "no-such-option" in bad_option.json()["detail"]
    assert client.get("/api/catalog/bundles").status_code == 200
    assert client.get("/api/catalog/bundles/nosuch").status_code == 404
    matter = client.post("/api/catalog/matters/cbdj/checklist", "{}", content_type="application/json").json()
    assert [m["code"] for m in matter["materials"]] == ["sfz", "ldht", "hkb", "zp"]


def test_the_notice_page_follows_the_answers(client, catalog):
    page = client.get("/notice/bundles/restaurant/")
    assert page.status_code == 200 and "开办餐饮店" in page.content.decode()
    spec = services.bundle_spec(services.get_bundle("restaurant"))
    yesno = next(q for q in spec.questions if q.kind == "yesno")
    both = [
        client.get("/notice/bundles/restaurant/", {f"q-{yesno.code}": v}).content.decode()
        for v in ("true", "false")
    ]
    assert both[0] != both[1]
    assert client.get("/notice/bundles/restaurant/", {"q-pets": "cat"}).status_code == 422
    assert client.get("/notice/bundles/nosuch/").status_code == 404
    assert "参保登记" in client.get("/notice/").content.decode()


def _pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_pdf_notice_carries_the_material_names_as_text(client, catalog):
    response = client.get("/notice/matters/cbdj/notice.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content).replace(" ", "").replace("\n", "")
    for name in (
        "一次告知书",
        "参保登记",
        "居民身份证",
        "劳动合同或用工证明",
        "户口簿(首页及本人页)",
        "近期一寸免冠照片",
    ):
        assert name in text, name
    checklist = services.checklist_for_bundle("after-death", {})
    bundle_text = _pdf_text(client.get("/notice/bundles/after-death/notice.pdf").content).replace("\n", "")
    for material in checklist.materials:
        assert material.name.replace(" ", "") in bundle_text.replace(" ", ""), material.name


def test_notice_board_cards_have_one_page_per_matter(client, catalog):
    response = client.get("/notice/cards.pdf", {"matter": ["cbdj", "gxzy", "jfhd"]})
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 3
    assert "养老保险关系转移接续" in reader.pages[1].extract_text().replace("\n", "")
    assert client.get("/notice/cards.pdf", {"matter": "nosuch"}).status_code == 422


def test_merged_form_for_the_pilot_matters(client, catalog):
    response = client.post(
        "/api/catalog/forms",
        json.dumps({"matters": ["cbdj", "gxzy", "jfhd"]}),
        content_type="application/json",
    )
    form = response.json()
    core = [f["field"] for f in form["core"]]
    assert core[:3] == ["name", "resident_id", "phone"] and "employer_name" in core
    assert form["entries_saved"] == form["entries_separately"] - form["entries_merged"] > 0
    assert {f["field"] for f in form["pages"]["jfhd"]} == {"monthly_wage", "contribution_base"}
    missing = client.post(
        "/api/catalog/forms", json.dumps({"matters": ["cbdj", "nosuch"]}), content_type="application/json"
    )
    assert missing.status_code == 404 and "nosuch" in missing.json()["detail"]
    empty = client.post("/api/catalog/forms", json.dumps({"matters": []}), content_type="application/json")
    assert empty.status_code == 422


def test_admin_publishing_is_for_the_legal_role_only(catalog, hall):
    draft = services.open_draft(matter=Matter.objects.get(code="gxzy"), user=None)
    services.submit(version=draft, user=None)
    admin = login("admin")  # a superuser and hall admin, but not of the legal section
    publish = {"action": "approve_and_publish", "_selected_action": [draft.pk]}
    admin.post("/admin/catalog/checklistversion/", publish, follow=True)
    assert ChecklistVersion.objects.get(pk=draft.pk).status == "submitted"
    get_user_model().objects.get(username="admin").groups.add(Group.objects.get(name="legal"))
    admin.post("/admin/catalog/checklistversion/", publish, follow=True)
    assert ChecklistVersion.objects.get(pk=draft.pk).status == "published"
