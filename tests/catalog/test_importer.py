"""Import and export: all or nothing, idempotent, every error names file, item and reason."""

from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from onevisit.catalog import services
from onevisit.catalog.importer import CatalogImportError, export_catalog, import_catalog
from onevisit.catalog.models import Bundle, ChecklistVersion, Clause, Matter
from onevisit.core.models import Event
from tests.conftest import SEED_CATALOG, nothing_written

pytestmark = pytest.mark.django_db

BASE = {
    "departments": [
        {"code": "scjgj", "name": "区市场监督管理局"},
        {"code": "cgj", "name": "区城市管理局", "parent": "cgj-top"},
        {"code": "cgj-top", "name": "城市管理委员会"},
    ],
    "clauses": [
        {"code": "law-1", "version": "2026-11", "title": "《测试条例》第一条", "text": "应当提交身份证明。"}
    ],
    "fields": [
        {"code": "name", "label": "姓名", "type": "text", "sensitivity": "personal", "core": True},
        {"code": "shop_area", "label": "经营面积", "type": "number", "sensitivity": "public"},
    ],
    "matters": [
        {
            "code": "licence",
            "name": "食品经营许可",
            "department": "scjgj",
            "materials": [
                {"code": "sfz", "name": "居民身份证", "original": True, "clause": "law-1@2026-11"},
                {"code": "pmt", "name": "经营场所平面图"},
            ],
            "fields": [{"field": "name"}, {"field": "shop_area"}],
        },
        {
            "code": "sign",
            "name": "户外招牌设置",
            "department": "cgj",
            "materials": [{"code": "sfz", "name": "居民身份证"}, {"code": "xgt", "name": "招牌效果图"}],
            "fields": [{"field": "name", "label": "申请人"}],
        },
    ],
    "bundles": [
        {
            "code": "shop",
            "name": "开店一件事",
            "key_matter": "licence",
            "questions": [
                {"code": "sign", "text": "是否设置户外招牌？", "kind": "yesno"},
                {"code": "area", "text": "经营面积(平方米)", "kind": "number", "min": 1},
            ],
            "matters": ["licence", {"matter": "sign", "when": {"sign": True}}],
            "add_materials": [
                {
                    "matter": "licence",
                    "when": {"area": {"gt": 150}},
                    "material": {"code": "xf", "name": "消防安全检查合格证明"},
                }
            ],
        }
    ],
}


def write(tmp_path: Path, doc: dict, name: str = "catalog.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_import_publishes_and_a_second_import_changes_nothing(tmp_path):
    path = write(tmp_path, BASE)
    stats = import_catalog(path)
    assert stats.created > 0 and stats.published == ["licence v1", "sign v1"]
    version = services.published_checklist(Matter.objects.get(code="licence"))
    assert [m.code for m in version.materials.all()] == ["sfz", "pmt"]
    assert version.materials.get(code="sfz").clause.ref == "law-1@2026-11"
    events = Event.objects.count()
    again = import_catalog(path)
    assert (again.created, again.updated, again.published) == (0, 0, [])
    assert Event.objects.count() == events
    assert ChecklistVersion.objects.filter(matter__code__in=["licence", "sign"]).count() == 2


def test_a_changed_checklist_becomes_a_new_version_and_the_old_one_is_superseded(tmp_path):
    import_catalog(write(tmp_path, BASE))
    changed = yaml.safe_load(yaml.safe_dump(BASE))
    changed["matters"][0]["materials"][1]["copies"] = 2
    import_catalog(write(tmp_path, changed))
    versions = list(
        Matter.objects.get(code="licence").checklists.order_by("number").values_list("number", "status")
    )
    assert versions == [(1, "superseded"), (2, "published")]
    event = Event.objects.filter(type="checklist.published", matter="licence").last()
    assert event.data["changes"] == ["材料「经营场所平面图」份数：1 → 2"]


def test_situations_resolve_after_import(tmp_path):
    import_catalog(write(tmp_path, BASE))
    small = services.checklist_for_bundle("shop", {"sign": False, "area": 40})
    assert [m.code for m in small.matters] == ["licence"] and [m.code for m in small.materials] == [
        "sfz",
        "pmt",
    ]
    big = services.checklist_for_bundle("shop", {"sign": True, "area": 200})
    assert [m.code for m in big.materials] == ["sfz", "pmt", "xf", "xgt"]
    assert big.materials[0].matters == ["licence", "sign"]
    assert big.form.entries_saved == 1  # 姓名 asked once for both matters


def _broken(mutate) -> dict:
    doc = yaml.safe_load(yaml.safe_dump(BASE))
    mutate(doc)
    return doc


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["bundles"][0]["matters"][1].update(when={"awning": True}),
            "一件事 shop 事项 sign: 条件引用了不存在的问题 awning",
        ),
        (lambda d: d["bundles"][0]["matters"][1].update(when={"sign": "perhaps"}), "true 或 false"),
        (lambda d: d["bundles"][0]["matters"].append("ghost"), "事项 ghost: 引用的事项未定义"),
        (
            lambda d: d["matters"][0]["materials"][0].update(clause="law-1"),
            "条款引用 law-1 须写成 编码@年-月",
        ),
        (
            lambda d: d["matters"][0]["materials"][0].update(clause="law-9@2026-11"),
            "引用的条款 law-9@2026-11 未定义",
        ),
        (lambda d: d["clauses"][0].update(version="November"), "条款 law-1: 条款缺少版本"),
        (
            lambda d: d["matters"][0]["fields"].append({"field": "nickname"}),
            "字段 nickname 未在字段字典中定义",
        ),
        (
            lambda d: (
                d["bundles"][0]["questions"][1].update(when={"sign": True})
                or d["bundles"][0]["questions"][0].update(when={"area": 3})
            ),
            "循环",
        ),
        (
            lambda d: d["bundles"][0]["add_materials"][0].update(when={"area": {"gt": 5, "lte": 5}}),
            "永远不可能成立",
        ),
        (lambda d: d["bundles"][0].update(key_matter="sign-x"), "主事项 sign-x 不在"),
        (
            lambda d: d["bundles"][0]["questions"][1].update(field="floor_area"),
            "问题 area 的 field floor_area 不在字段字典中",
        ),
        (
            lambda d: d["matters"][0].update(department="区市场监督管理局"),
            "事项 licence: 实施部门 department「区市场监督管理局」不在部门表中",
        ),
        (
            lambda d: d["bundles"][0].update(
                tasks=[{"code": "t", "matter": "licence", "department": "nowhere"}]
            ),
            "任务 t 的部门「nowhere」不在部门表中",
        ),
        (lambda d: d["departments"][0].update(parent="ghost"), "部门 scjgj: 上级部门 ghost 不在部门表中"),
        (lambda d: d["departments"][2].update(parent="cgj"), "上级部门形成循环"),
        (lambda d: d["departments"][1].update(name="区市场监督管理局"), "与部门 scjgj 相同"),
        (lambda d: d["departments"][0].update(code="Bad Code"), "部门代码须为"),
        (
            lambda d: d["departments"][1].update(parent=["cgj-top"]),
            "部门 cgj: 上级部门 parent 须为一个部门代码",
        ),
        (
            lambda d: d["departments"][1].update(parent={"code": "cgj-top"}),
            "上级部门 parent 须为一个部门代码",
        ),
    ],
)
def test_a_bad_catalog_names_file_item_and_reason_and_imports_nothing(tmp_path, mutate, message):
    path = write(tmp_path, _broken(mutate), "shop.yaml")
    with nothing_written(), pytest.raises(CatalogImportError) as err:
        import_catalog(path)
    text = str(err.value)
    assert "shop.yaml" in text and message in text, text


KINDS = {
    "code": "kinds",
    "label": "参保险种",
    "type": "choice",
    "sensitivity": "public",
    "validation": {"choices": ["养老", "医疗"], "multiple": True},
}


def _with_field(field: dict) -> dict:
    doc = yaml.safe_load(yaml.safe_dump(BASE))
    doc["fields"].append(field)
    return doc


def test_a_multiple_choice_field_imports_and_exports_with_its_flag(tmp_path):
    from onevisit.catalog.models import FieldDefinition

    import_catalog(write(tmp_path, _with_field(KINDS)))
    assert FieldDefinition.objects.get(code="kinds").validation == {
        "choices": ["养老", "医疗"],
        "multiple": True,
    }
    exported = yaml.safe_load(export_catalog(tmp_path / "out").read_text(encoding="utf-8"))
    assert next(f for f in exported["fields"] if f["code"] == "kinds")["validation"]["multiple"] is True


def test_a_core_flag_that_is_not_true_or_false_is_refused(tmp_path):
    """A quoted "no" used to be stored as a core field (bool("no") is True)."""
    path = write(tmp_path, _with_field({**KINDS, "core": "no"}), "fields.yaml")
    with nothing_written(), pytest.raises(CatalogImportError) as err:
        import_catalog(path)
    assert "fields.yaml: 字段 kinds: core 须为 true 或 false" in str(err.value)


@pytest.mark.parametrize(
    ("validation", "kind", "message"),
    [
        ({"choices": ["养老", "医疗"], "multiple": "yes"}, "choice", "multiple 须为 true 或 false"),
        ({"multiple": True}, "choice", "multiple（多选）须与 choices 一起使用"),
        ({"max_length": 20, "multiple": True}, "text", "multiple（多选）只用于 choice 类型"),
        ({"choices": ["养老、医疗", "失业"], "multiple": True}, "choice", "多选的选项不能含有分隔符"),
        ({"choices": ["养老", "养老"]}, "choice", "choices 有重复的选项：养老"),
        ({"choices": "养老、医疗"}, "choice", "choices 须为文字列表"),
        ({"choices": ["养老", 3]}, "choice", "choices 须为文字列表"),
        ({"choices": ["养老"], "multi": True}, "choice", "validation 只能包含"),
    ],
)
def test_a_bad_choice_rule_names_the_field_and_the_reason_and_imports_nothing(
    tmp_path, validation, kind, message
):
    path = write(tmp_path, _with_field({**KINDS, "type": kind, "validation": validation}), "fields.yaml")
    with nothing_written(), pytest.raises(CatalogImportError) as err:
        import_catalog(path)
    text = str(err.value)
    assert "fields.yaml: 字段 kinds" in text and message in text, text


def test_a_problem_in_one_file_keeps_every_file_out(tmp_path):
    write(tmp_path, {"clauses": BASE["clauses"], "fields": BASE["fields"]}, "a.yaml")
    write(
        tmp_path,
        {"matters": [{"code": "bad matter", "name": "x", "department": "y", "materials": []}]},
        "b.yaml",
    )
    with nothing_written(), pytest.raises(CatalogImportError, match="b.yaml: 事项 bad matter"):
        import_catalog(tmp_path)
    assert not Clause.objects.filter(code="law-1").exists()


def test_the_command_reports_problems_and_dry_run_writes_nothing(tmp_path):
    good = write(tmp_path, BASE)
    with nothing_written():
        call_command("catalog", "import", str(good), "--dry-run", verbosity=0)
    bad = write(tmp_path, _broken(lambda d: d["bundles"][0]["matters"].append("ghost")), "bad.yaml")
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("catalog", "import", str(bad), verbosity=0)


def test_departments_import_with_their_parents_and_export_back(tmp_path):
    import_catalog(write(tmp_path, BASE))
    licence = Matter.objects.select_related("department__parent").get(code="licence")
    assert (licence.department.code, licence.department.name) == ("scjgj", "区市场监督管理局")
    assert Matter.objects.get(code="sign").department.parent.name == "城市管理委员会"
    exported = yaml.safe_load(export_catalog(tmp_path / "out").read_text(encoding="utf-8"))
    assert {"code": "cgj", "name": "区城市管理局", "parent": "cgj-top"} in exported["departments"]
    assert next(m for m in exported["matters"] if m["code"] == "sign")["department"] == "cgj"


def test_export_then_import_into_an_empty_catalog_gives_the_same_catalog(tmp_path, catalog):
    before = {code: spec for code, spec in services.matter_specs().items()}
    bundles = {b.code: services.bundle_spec(b) for b in Bundle.objects.all()}
    exported = export_catalog(tmp_path / "out")
    Bundle.objects.all().delete()
    ChecklistVersion.objects.all().delete()
    Matter.objects.all().delete()
    import_catalog(exported)
    assert services.matter_specs() == before
    assert {b.code: services.bundle_spec(b) for b in Bundle.objects.all()} == bundles


def test_the_seed_catalog_is_valid_and_complete(catalog):
    bundles = {b.code for b in Bundle.objects.all()}
    assert {"cbdj", "gxzy", "jfhd"} <= set(Matter.objects.values_list("code", flat=True))
    assert SEED_CATALOG.is_dir()
    for code in bundles:
        bundle = services.get_bundle(code)
        assert bundle.key_matter in bundle.matters.all()


def test_a_material_with_several_problems_names_each_and_strict_values_are_refused(tmp_path):
    """One run names every reason of a material (a non-text code no longer hides the others); a boolean is
    not a number of copies and a 'yes' is not true."""
    doc = _broken(
        lambda d: d["matters"][0]["materials"].extend(
            [
                {"code": 7, "name": "x", "copies": 0},
                {"code": "zp", "name": "照片", "copies": True, "original": "yes"},
            ]
        )
    )
    with nothing_written(), pytest.raises(CatalogImportError) as err:
        import_catalog(write(tmp_path, doc, "shop.yaml"))
    problems = [p.split("/")[-1] for p in err.value.problems]
    assert "shop.yaml: 事项 licence 材料 7: 编码和名称须为文字" in problems
    assert "shop.yaml: 事项 licence 材料 7: copies 须为 1 到 99 的整数" in problems
    assert "shop.yaml: 事项 licence 材料 zp: copies 须为 1 到 99 的整数" in problems
    assert "shop.yaml: 事项 licence 材料 zp: original 须为 true 或 false" in problems
