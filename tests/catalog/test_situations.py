"""Situation rules, pure: conditions, validation on import, answers, deterministic resolution."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onevisit.catalog.situations import (
    AddMaterial,
    AnswerError,
    BundleMatter,
    BundleSpec,
    DropMaterial,
    MaterialSpec,
    MatterSpec,
    Option,
    Question,
    RuleError,
    answer_combinations,
    normalize_answers,
    resolve,
    validate_bundle,
)

ID = MaterialSpec("sfz", "居民身份证", original=True)
BIRTH = MaterialSpec("csyxzm", "出生医学证明", original=True)
MARRIAGE = MaterialSpec("jhz", "结婚证")
PATERNITY = MaterialSpec("qzjd", "亲子鉴定证明", original=True)
MATTERS = {
    "birth": MatterSpec("birth", "出生医学证明", (ID,)),
    "hukou": MatterSpec("hukou", "户口登记", (ID, BIRTH, MARRIAGE)),
    "insurance": MatterSpec("insurance", "医保参保", (ID,)),
    "allowance": MatterSpec("allowance", "育儿补贴", (ID,)),
}
QUESTIONS = (
    Question("married", "父母是否已婚？", "yesno"),
    Question("hukou_with", "随谁落户？", "single", (Option("father", "随父"), Option("mother", "随母"))),
    Question("services", "还要办理？", "multiple", (Option("ins", "医保"), Option("card", "社保卡"))),
    Question("children", "子女数", "number", min=1, max=10),
    Question("foreign", "父母一方是否外籍？", "yesno", when={"married": True}),
)


def spec(**overrides) -> BundleSpec:
    values = dict(
        code="newborn",
        name="新生儿出生一件事",
        key_matter="birth",
        questions=QUESTIONS,
        matters=(
            BundleMatter("birth"),
            BundleMatter("hukou"),
            BundleMatter("insurance", {"services": "ins"}),
            BundleMatter("allowance", {"children": {"gte": 2}}),
        ),
        add_materials=(AddMaterial("hukou", PATERNITY, {"married": False}),),
        drop_materials=(DropMaterial("hukou", "jhz", {"married": False}),),
    )
    values.update(overrides)
    return BundleSpec(**values)


def test_the_example_bundle_is_valid():
    validate_bundle(spec(), MATTERS)


def test_answers_decide_matters_and_materials():
    married = resolve(spec(), MATTERS, {"married": True, "children": 1})
    assert married.matters == ["birth", "hukou"]
    assert [m.code for m in married.materials["hukou"]] == ["sfz", "csyxzm", "jhz"]
    unmarried = resolve(spec(), MATTERS, {"married": "false", "services": ["ins"], "children": "3"})
    assert unmarried.matters == ["birth", "hukou", "insurance", "allowance"]
    assert [m.code for m in unmarried.materials["hukou"]] == ["sfz", "csyxzm", "qzjd"]


def test_a_question_is_asked_only_when_its_condition_holds():
    assert "foreign" not in resolve(spec(), MATTERS, {"married": False}).asked
    assert "foreign" in resolve(spec(), MATTERS, {"married": True}).asked
    # an answer to a question that is not asked does not count
    assert normalize_answers(spec(), {"married": False, "foreign": True}) == {"married": False}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"pets": "cat"}, "没有问题 pets"),
        ({"hukou_with": "uncle"}, "没有选项 uncle"),
        ({"hukou_with": ["father", "mother"]}, "只能选一项"),
        ({"married": "maybe"}, "只能回答是或否"),
        ({"children": "many"}, "须填数字"),
        ({"children": 11}, "之间"),
        ({"services": ["ins", "bank"]}, "没有选项 bank"),
    ],
)
def test_bad_answers_name_the_question_and_reason(answers, message):
    with pytest.raises(AnswerError, match=message):
        resolve(spec(), MATTERS, answers)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"matters": (BundleMatter("birth"), BundleMatter("ghost"))}, "ghost.*未定义"),
        ({"matters": (BundleMatter("birth", {"pets": "cat"}),)}, "不存在的问题 pets"),
        ({"matters": (BundleMatter("birth", {"hukou_with": "uncle"}),)}, "没有选项 uncle"),
        ({"matters": (BundleMatter("birth", {"children": {"gte": 5, "lt": 3}}),)}, "永远不可能成立"),
        ({"matters": (BundleMatter("birth", {"children": {"gt": 10}}),)}, "永远不可能成立"),
        ({"matters": (BundleMatter("birth", {"married": "yes"}),)}, "true 或 false"),
        ({"key_matter": "hukou", "matters": (BundleMatter("birth"),)}, "主事项 hukou 不在"),
        (
            {
                "questions": (
                    Question("a", "A?", "yesno", when={"b": True}),
                    Question("b", "B?", "yesno", when={"a": True}),
                )
            },
            "循环：a → b → a",
        ),
        ({"questions": (Question("q", "?", "single", (Option("x", "X"),)),)}, "至少需要两个选项"),
        ({"questions": (Question("q", "?", "guess"),)}, "问题类型"),
        (
            {
                "add_materials": (AddMaterial("hukou", PATERNITY, {"married": False}),),
                "drop_materials": (DropMaterial("hukou", "qzjd", {"married": False}),),
            },
            "矛盾",
        ),
        ({"drop_materials": (DropMaterial("hukou", "nothing", None),)}, "没有这项材料"),
    ],
)
def test_invalid_rules_are_refused_with_the_reason(overrides, message):
    with pytest.raises(RuleError, match=message):
        validate_bundle(spec(**overrides), MATTERS)


def test_every_answer_combination_resolves_deterministically():
    combos = list(answer_combinations(spec()))
    assert len(combos) > 50
    for answers in combos:
        first = resolve(spec(), MATTERS, answers)
        assert first == resolve(spec(), MATTERS, dict(reversed(list(answers.items()))))
        assert first.matters[:2] == ["birth", "hukou"]


@given(
    married=st.sampled_from([True, False, None]),
    children=st.one_of(st.none(), st.integers(1, 10)),
    services=st.lists(st.sampled_from(["ins", "card"]), unique=True),
)
def test_allowance_applies_exactly_from_the_second_child(married, children, services):
    answers = {
        k: v
        for k, v in {"married": married, "children": children, "services": services}.items()
        if v is not None
    }
    result = resolve(spec(), MATTERS, answers)
    assert ("allowance" in result.matters) == (children is not None and children >= 2)
    assert ("insurance" in result.matters) == ("ins" in services)
