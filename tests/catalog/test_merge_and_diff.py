import pytest

from onevisit.catalog.diff import diff_materials
from onevisit.catalog.merge import FormField, MergedMaterial, merge_form, merge_materials
from onevisit.catalog.situations import FieldUse, MaterialSpec


def test_a_document_needed_by_several_matters_is_listed_once_with_the_strictest_rule():
    merged = merge_materials(
        {
            "a": [MaterialSpec("sfz", "居民身份证", original=False, tolerable=True, copies=1)],
            "b": [
                MaterialSpec("sfz", "居民身份证", original=True, tolerable=False, copies=2),
                MaterialSpec("zp", "照片"),
            ],
        }
    )
    assert [m.code for m in merged] == ["sfz", "zp"]
    sfz = merged[0]
    assert sfz.matters == ["a", "b"] and sfz.original and not sfz.tolerable and sfz.copies == 2


def test_the_merged_form_asks_each_fact_once_and_counts_what_it_saves():
    form = merge_form(
        {
            "cbdj": [
                FieldUse("name", "参保人姓名"),
                FieldUse("resident_id", "身份证号"),
                FieldUse("employer", "单位"),
            ],
            "jfhd": [
                FieldUse("name", "姓名"),
                FieldUse("resident_id", "证件号码"),
                FieldUse("employer", "单位名称"),
                FieldUse("wage", "工资"),
            ],
            "gxzy": [FieldUse("resident_id", "身份证号码"), FieldUse("region", "转出地")],
        },
        core_fields={"name", "resident_id"},
        labels={"name": "姓名", "resident_id": "公民身份号码", "employer": "用人单位名称"},
    )
    assert [f.field for f in form.core] == ["name", "resident_id", "employer"]
    assert form.core[1].label == "公民身份号码" and form.core[1].matters == ["cbdj", "jfhd", "gxzy"]
    assert {k: [f.field for f in v] for k, v in form.pages.items()} == {
        "cbdj": [],
        "jfhd": ["wage"],
        "gxzy": ["region"],
    }
    assert (form.entries_separately, form.entries_merged, form.entries_saved) == (9, 5, 4)


def test_diff_reads_as_sentences():
    old = [
        MaterialSpec("sfz", "居民身份证"),
        MaterialSpec("zp", "照片", copies=1),
        MaterialSpec("hkb", "户口簿"),
    ]
    new = [
        MaterialSpec("sfz", "居民身份证"),
        MaterialSpec("zp", "照片", copies=2, tolerable=True),
        MaterialSpec("ht", "劳动合同"),
    ]
    sentences = [c.sentence for c in diff_materials(old, new)]
    assert "材料「照片」份数：1 → 2；可容缺：否 → 是" in sentences
    assert "新增材料「劳动合同」" in sentences and "删除材料「户口簿」" in sentences
    assert diff_materials(old, old) == []
    assert [c.sentence for c in diff_materials(old, list(reversed(old)))] == ["材料顺序有调整"]


# ---- what mutation testing showed unpinned: every field of a merged material and of a merged form ----


def test_a_material_needed_once_keeps_every_requirement_as_listed():
    spec = MaterialSpec(
        "sfz",
        "居民身份证",
        original=True,
        electronic=True,
        stamp="公章",
        copies=2,
        tolerable=True,
        shared=True,
        clause="law-1@2024-01",
        note="正反面",
        exempt_if="灵活就业人员",
        due_working_days=5,
    )
    assert merge_materials({"a": [spec]}) == [
        MergedMaterial(
            "sfz",
            "居民身份证",
            ["a"],
            True,
            True,
            "公章",
            2,
            True,
            True,
            "law-1@2024-01",
            "正反面",
            "灵活就业人员",
            5,
        )
    ]


def test_a_shared_material_takes_the_strictest_requirement_of_each_kind():
    loose = MaterialSpec("sfz", "居民身份证", electronic=True, tolerable=True, shared=True, copies=1)
    strict = MaterialSpec(
        "sfz",
        "居民身份证（原件）",
        original=True,
        stamp="公章",
        copies=3,
        clause="law-2@2025-01",
        note="原件",
        exempt_if="退休人员",
        due_working_days=7,
    )
    third = MaterialSpec(
        "sfz",
        "身份证",
        electronic=True,
        stamp="私章",
        clause="law-3@2025-06",
        note="复印件",
        exempt_if="退休人员",
        due_working_days=3,
    )
    (merged,) = merge_materials({"a": [loose], "b": [strict], "c": [third]})
    assert merged == MergedMaterial(
        "sfz",
        "居民身份证",
        ["a", "b", "c"],
        True,
        False,
        "公章",
        3,
        False,
        False,
        "law-2@2025-01",
        "原件",
        "",
        3,
    )


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ({}, {}, dict(original=False, electronic=False, tolerable=False, shared=False)),
        (dict(original=True), {}, dict(original=True)),
        ({}, dict(original=True), dict(original=True)),
        (dict(electronic=True), dict(electronic=True), dict(electronic=True)),
        (dict(electronic=True), {}, dict(electronic=False)),
        ({}, dict(electronic=True), dict(electronic=False)),
        (dict(tolerable=True), dict(tolerable=True), dict(tolerable=True)),
        ({}, dict(tolerable=True), dict(tolerable=False)),
        (dict(shared=True), dict(shared=True), dict(shared=True)),
        ({}, dict(shared=True), dict(shared=False)),
        (dict(stamp="公章"), {}, dict(stamp="公章")),
        ({}, dict(stamp="公章"), dict(stamp="公章")),
        (dict(clause="c@2024-01"), {}, dict(clause="c@2024-01")),
        ({}, dict(note="n"), dict(note="n")),
        (dict(note="n"), {}, dict(note="n")),
        (dict(exempt_if="x"), dict(exempt_if="x"), dict(exempt_if="x")),
        (dict(exempt_if="x"), {}, dict(exempt_if="")),
        (dict(due_working_days=5), {}, dict(due_working_days=5)),
        ({}, dict(due_working_days=5), dict(due_working_days=5)),
        (dict(due_working_days=5), dict(due_working_days=2), dict(due_working_days=2)),
        ({}, {}, dict(due_working_days=None)),
    ],
)
def test_each_requirement_merges_by_its_own_rule(first, second, expected):
    (merged,) = merge_materials(
        {"a": [MaterialSpec("m", "M", **first)], "b": [MaterialSpec("m", "M", **second)]}
    )
    assert {k: getattr(merged, k) for k in expected} == expected
    assert merged.matters == ["a", "b"]


def test_materials_after_a_repeated_one_are_still_merged():
    a, b, c = MaterialSpec("a", "A"), MaterialSpec("b", "B"), MaterialSpec("c", "C")
    merged = merge_materials({"x": [a, b], "y": [a, c]})
    assert [(m.code, m.matters) for m in merged] == [("a", ["x", "y"]), ("b", ["x"]), ("c", ["y"])]


def test_the_merged_form_keeps_labels_requirement_and_users_of_each_field():
    form = merge_form(
        {
            "a": [
                FieldUse("name", "姓名"),
                FieldUse("phone", "电话", required=False),
                FieldUse("x", "甲", False),
            ],
            "b": [FieldUse("phone", "联系电话", required=True), FieldUse("y", "乙")],
            "c": [FieldUse("z", "丙", required=False), FieldUse("phone", "电话", required=False)],
        },
        core_fields={"name"},
        labels={"name": "申请人姓名"},
    )
    assert form.core == [
        FormField("name", "申请人姓名", True, ["a"]),
        FormField("phone", "phone", True, ["a", "b", "c"]),
    ]
    assert form.pages == {
        "a": [FormField("x", "甲", False, ["a"])],
        "b": [FormField("y", "乙", True, ["b"])],
        "c": [FormField("z", "丙", False, ["c"])],
    }
    assert (form.entries_separately, form.entries_merged, form.entries_saved) == (7, 5, 2)


def test_a_field_optional_everywhere_stays_optional():
    form = merge_form(
        {"a": [FieldUse("phone", "电话", False)], "b": [FieldUse("phone", "电话", False)]},
        core_fields=set(),
        labels={},
    )
    assert form.core == [FormField("phone", "phone", False, ["a", "b"])]
