"""Issue 13: who is exempt from a material, its own due rule, and a situation that makes a shared one needed."""

import copy

import pytest

from onevisit.catalog import services
from onevisit.catalog.importer import CatalogImportError, export_catalog, import_catalog
from onevisit.catalog.models import ChecklistVersion, Material
from onevisit.catalog.situations import AddMaterial as Add
from onevisit.catalog.situations import BundleMatter, BundleSpec, MaterialSpec, MatterSpec, Question, resolve
from tests.catalog.test_importer import BASE, write
from tests.conftest import nothing_written

pytestmark = pytest.mark.django_db


def _with_rules():
    doc = copy.deepcopy(BASE)
    doc["matters"][0]["materials"][1] |= {"tolerable": True, "due_working_days": 5, "exempt_if": "网店经营者"}
    return doc


def test_exemption_and_due_rule_are_imported_exported_and_read_back(tmp_path):
    import_catalog(write(tmp_path, _with_rules()))
    pmt = Material.objects.get(code="pmt", checklist__status="published")
    assert (pmt.exempt_if, pmt.due_working_days) == ("网店经营者", 5)
    spec = services.checklist_for_matter("licence").materials[1]
    assert (spec.exempt_if, spec.due_working_days) == ("网店经营者", 5)
    out = export_catalog(tmp_path / "out")
    versions = ChecklistVersion.objects.count()
    import_catalog(out)
    assert ChecklistVersion.objects.count() == versions  # the round trip changes nothing


@pytest.mark.parametrize(
    ("attrs", "reason"),
    [
        ({"tolerable": True, "due_working_days": 0}, "1 到 60 的整数"),
        ({"tolerable": True, "due_working_days": "5天"}, "1 到 60 的整数"),
        ({"due_working_days": 5}, "只有可容缺"),
        ({"exempt_if": "x" * 51}, "exempt_if 须为不超过50字的文字"),
    ],
)
def test_bad_material_rules_are_refused_naming_the_item(tmp_path, attrs, reason):
    doc = copy.deepcopy(BASE)
    doc["matters"][0]["materials"][1] |= attrs
    with nothing_written(), pytest.raises(CatalogImportError) as err:
        import_catalog(write(tmp_path, doc))
    assert any("事项 licence 材料 pmt" in p and reason in p for p in err.value.problems), err.value.problems


def test_versions_published_before_the_new_attributes_are_not_republished(tmp_path):
    import_catalog(write(tmp_path, BASE))
    published = {v.pk for v in ChecklistVersion.objects.filter(status="published")}
    import_catalog(write(tmp_path, BASE))
    assert {v.pk for v in ChecklistVersion.objects.filter(status="published")} == published
    old = MaterialSpec(code="a", name="甲")
    assert services.content_hash([old]) == services.content_hash(
        [MaterialSpec(code="a", name="甲", exempt_if="")]
    )
    assert services.content_hash([old]) != services.content_hash(
        [MaterialSpec(code="a", name="甲", exempt_if="乙")]
    )


def test_an_added_material_with_a_listed_code_replaces_it_in_that_situation():
    shared = MaterialSpec(code="cszm", name="出生医学证明", shared=True)
    brought = MaterialSpec(code="cszm", name="出生医学证明", original=True)
    spec = BundleSpec(
        code="b",
        name="新生儿",
        key_matter="hukou",
        questions=(Question(code="local", text="本市出生？", kind="yesno"),),
        matters=(BundleMatter("hukou"),),
        add_materials=(Add("hukou", brought, {"local": False}),),
    )
    matters = {
        "hukou": MatterSpec(code="hukou", name="户口", materials=(shared, MaterialSpec("hkb", "户口簿")))
    }
    assert resolve(spec, matters, {"local": True}).materials["hukou"] == [
        shared,
        MaterialSpec("hkb", "户口簿"),
    ]
    assert resolve(spec, matters, {"local": False}).materials["hukou"] == [
        brought,
        MaterialSpec("hkb", "户口簿"),
    ]


def test_adding_a_rule_to_a_published_material_publishes_a_version_that_says_so(tmp_path):
    import_catalog(write(tmp_path, BASE))
    import_catalog(write(tmp_path, _with_rules()))
    version = ChecklistVersion.objects.get(matter__code="licence", status="published")
    assert version.number == 2
    from onevisit.core.models import Event

    changes = Event.objects.filter(type="checklist.published", matter="licence").last().data["changes"]
    assert changes == [
        "材料「经营场所平面图」可容缺：否 → 是；无需提供的人群：无 → 网店经营者；补交期限（工作日）：无 → 5"
    ]


def test_the_printed_notice_states_the_due_rule():
    from onevisit.catalog.notice import requirement_text

    assert "可容缺，5个工作日内补交" in requirement_text(
        MaterialSpec("hkb", "户口簿", tolerable=True, due_working_days=5)
    )
    assert "可容缺后补" in requirement_text(MaterialSpec("zp", "照片", tolerable=True))
