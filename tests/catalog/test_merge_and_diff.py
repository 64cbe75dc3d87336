from onevisit.catalog.diff import diff_materials
from onevisit.catalog.merge import merge_form, merge_materials
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
            "cbdj": [FieldUse("name", "参保人姓名"), FieldUse("resident_id", "身份证号"), FieldUse("employer", "单位")],
            "jfhd": [FieldUse("name", "姓名"), FieldUse("resident_id", "证件号码"), FieldUse("employer", "单位名称"),
                     FieldUse("wage", "工资")],
            "gxzy": [FieldUse("resident_id", "身份证号码"), FieldUse("region", "转出地")],
        },
        core_fields={"name", "resident_id"},
        labels={"name": "姓名", "resident_id": "公民身份号码", "employer": "用人单位名称"},
    )  # fmt: skip
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
