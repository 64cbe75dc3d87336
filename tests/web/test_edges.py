"""Edge cases found in review: each one a clear 4xx and nothing written, never a 500."""

import json
from datetime import date

import pytest
import yaml
from django.contrib.auth.models import Group

from onevisit.catalog import services
from onevisit.catalog.importer import CatalogImportError, import_catalog
from onevisit.catalog.models import ChecklistVersion, Matter
from onevisit.catalog.situations import AddMaterial, DropMaterial, MaterialSpec, RuleError, validate_bundle
from onevisit.core import clock
from onevisit.core.ids import PersonalDataError, mask_phone, normalize_name, parse_resident_id
from tests.catalog.test_situations import MATTERS, spec
from tests.conftest import login, nothing_written
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_full_width_digits_fold_to_ascii_and_other_digits_are_refused():
    assert (
        parse_resident_id("１１０１０５１９４９１２３１００２ｘ", today=date(2026, 1, 1)).value
        == "11010519491231002X"
    )
    with pytest.raises(PersonalDataError, match="前17位须为数字"):
        parse_resident_id("11010519491231٠٠2X", today=date(2026, 1, 1))  # Arabic-Indic zeros


def test_rare_characters_in_names_and_landline_masks():
    assert normalize_name("张𬱖") == "张𬱖"
    assert mask_phone("0101234567") == "010*****67"


def test_nul_bytes_are_refused_at_the_edge(client, guide_client):
    assert client.get("/api/catalog/matters/a%00b").status_code == 400
    body = json.dumps({"matter": "cbdj", "name": "a\u0000", "resident_id": "x", "phone": "y"})
    with nothing_written():
        assert (
            guide_client.post("/api/intake/prereviews", body, content_type="application/json").status_code
            == 400
        )


def test_a_huge_number_answer_is_a_422_not_a_crash(client, catalog):
    spec_ = services.bundle_spec(services.get_bundle("restaurant"))
    number = next(q for q in spec_.questions if q.kind == "number")
    body = json.dumps({"answers": {number.code: 10**400}})
    response = client.post("/api/catalog/bundles/restaurant/checklist", body, content_type="application/json")
    assert response.status_code == 422


def test_an_unconditional_drop_contradicts_a_conditional_add():
    bad = spec(
        add_materials=(AddMaterial("hukou", MaterialSpec("qzjd", "亲子鉴定证明"), {"married": False}),),
        drop_materials=(DropMaterial("hukou", "qzjd", None),),
    )
    with pytest.raises(RuleError, match="矛盾"):
        validate_bundle(bad, MATTERS)


NEW_MATTER = {
    "matters": [
        {
            "code": "pending-matter",
            "name": "待审核事项",
            "department": "sbjb",
            "materials": [{"code": "a", "name": "甲"}],
        }
    ]
}


def test_a_matter_waiting_for_legal_review_is_not_public(tmp_path, client, catalog):
    path = tmp_path / "new.yaml"
    path.write_text(yaml.safe_dump(NEW_MATTER, allow_unicode=True), encoding="utf-8")
    import_catalog(path, as_draft=True)
    assert client.get("/notice/matters/pending-matter/").status_code == 404
    assert "待审核事项" not in client.get("/notice/").content.decode()
    assert "pending-matter" not in [m["code"] for m in client.get("/api/catalog/matters").json()]
    changed = yaml.safe_load(yaml.safe_dump(NEW_MATTER))
    changed["matters"][0]["materials"][0]["name"] = "乙"
    path.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogImportError, match="已有待审核的第1版"):
        import_catalog(path, as_draft=True)


@pytest.mark.parametrize(
    ("bundle", "message"),
    [
        ({"questions": [{"code": 7, "text": "?", "kind": "yesno"}]}, "问题编码"),
        (
            {
                "questions": [{"code": "n", "text": "?", "kind": "number"}],
                "matters": [{"matter": "cbdj", "when": {"n": {"gt": "abc"}}}],
            },
            "边界须为数字",
        ),
        ({"name": 123}, "名称须为"),
    ],
)
def test_the_importer_names_wrongly_typed_rules(tmp_path, catalog, bundle, message):
    doc = {"code": "typed", "name": "类型", "key_matter": "cbdj", "matters": ["cbdj"], **bundle}
    path = tmp_path / "typed.yaml"
    path.write_text(yaml.safe_dump({"bundles": [doc]}, allow_unicode=True), encoding="utf-8")
    with nothing_written(), pytest.raises(CatalogImportError, match=message):
        import_catalog(path)


def test_a_filing_number_that_looks_like_a_phone_still_publishes(catalog):
    legal = UserFactory(username="legal-2")
    legal.groups.add(Group.objects.get(name="legal"))
    draft = services.open_draft(matter=Matter.objects.get(code="jfhd"), user=None)
    services.submit(version=draft, user=None)
    services.publish(
        version=draft,
        user=legal,
        temporary=True,
        filing_number="15020261101",
        reason="试点",
        ends_on=clock.local_date(),
    )
    assert ChecklistVersion.objects.get(pk=draft.pk).status == "temporary"


def test_published_versions_cannot_be_deleted_in_the_admin(hall):
    published = services.published_checklist(Matter.objects.get(code="cbdj"))
    admin = login("admin")
    assert (
        admin.post(f"/admin/catalog/checklistversion/{published.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert ChecklistVersion.objects.filter(pk=published.pk).exists()
