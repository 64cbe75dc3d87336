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


# ---- what mutation testing showed unpinned: exact refusals, `any:`, multi-choice `all:`, boundaries, spellings ----

W = "一件事 newborn"
SHOE = MaterialSpec("shoe", "鞋")


def refusal(**overrides) -> tuple[str, str]:
    with pytest.raises(RuleError) as err:
        validate_bundle(spec(**overrides), MATTERS)
    assert str(err.value) == f"{err.value.where}: {err.value.reason}"
    return err.value.where, err.value.reason


def with_question(q: Question) -> dict:
    return {"questions": (*QUESTIONS, q)}


@pytest.mark.parametrize(
    ("overrides", "where", "reason"),
    [
        (with_question(Question("Bad", "?", "yesno")), f"{W} 问题 Bad", "问题编码须为小写字母、数字和下划线"),
        (with_question(Question(5, "?", "yesno")), f"{W} 问题 5", "问题编码须为小写字母、数字和下划线"),
        (
            with_question(Question("q", "?", "single", (Option("X", "x"), Option("y", "y")))),
            f"{W} 问题 q",
            "选项编码须为小写字母、数字和下划线",
        ),
        (
            with_question(Question("q", "?", "single", (Option(1, "x"), Option("y", "y")))),
            f"{W} 问题 q",
            "选项编码须为小写字母、数字和下划线",
        ),
        (with_question(Question("n", "?", "number", min="1")), f"{W} 问题 n", "min/max 须为数字"),
        (with_question(Question("n", "?", "number", max=True)), f"{W} 问题 n", "min/max 须为数字"),
        (with_question(Question("married", "?", "yesno")), f"{W} 问题 married", "问题编码重复"),
        (
            with_question(Question("q", "?", "guess")),
            f"{W} 问题 q",
            "问题类型须为 single/multiple/yesno/number，不能是 guess",
        ),
        (
            with_question(Question("q", "?", "multiple", (Option("x", "X"),))),
            f"{W} 问题 q",
            "单选或多选题至少需要两个选项",
        ),
        (
            with_question(Question("q", "?", "single", (Option("x", "X"), Option("x", "Y")))),
            f"{W} 问题 q",
            "选项编码重复",
        ),
        (
            with_question(Question("q", "?", "yesno", (Option("x", "X"), Option("y", "Y")))),
            f"{W} 问题 q",
            "yesno 类型的问题不能有选项",
        ),
        (
            with_question(Question("n", "?", "number", min=5, max=4)),
            f"{W} 问题 n",
            "数字题的最小值大于最大值",
        ),
        (
            with_question(Question("q", "?", "yesno", when={"pets": True})),
            f"{W} 问题 q",
            "条件引用了不存在的问题 pets",
        ),
        (
            {
                "questions": (
                    Question("a", "A?", "yesno", when={"b": True}),
                    Question("b", "B?", "yesno", when={"a": True}),
                )
            },
            W,
            "问题的显示条件形成循环：a → b → a",
        ),
        ({"matters": ()}, W, "一件事至少包含一个事项"),
        ({"matters": (BundleMatter("birth"), BundleMatter("birth"))}, W, "事项重复列出"),
        ({"matters": (BundleMatter("birth"), BundleMatter("ghost"))}, f"{W} 事项 ghost", "引用的事项未定义"),
        (
            {"matters": (BundleMatter("birth", {"pets": 1}),)},
            f"{W} 事项 birth",
            "条件引用了不存在的问题 pets",
        ),
        (
            {"key_matter": "hukou", "matters": (BundleMatter("birth"),)},
            W,
            "主事项 hukou 不在本一件事的事项中",
        ),
        (
            {"add_materials": (AddMaterial("ghost", SHOE),)},
            f"{W} 增加材料 ghost/shoe",
            "该事项不在本一件事中",
        ),
        (
            {"add_materials": (AddMaterial("hukou", SHOE, {"pets": 1}),)},
            f"{W} 增加材料 hukou/shoe",
            "条件引用了不存在的问题 pets",
        ),
        (
            {"drop_materials": (DropMaterial("ghost", "sfz"),)},
            f"{W} 免交材料 ghost/sfz",
            "该事项不在本一件事中",
        ),
        (
            {"drop_materials": (DropMaterial("hukou", "shoe"),)},
            f"{W} 免交材料 hukou/shoe",
            "该事项没有这项材料",
        ),
        (
            {"drop_materials": (DropMaterial("hukou", "jhz", {"pets": 1}),)},
            f"{W} 免交材料 hukou/jhz",
            "条件引用了不存在的问题 pets",
        ),
        (
            {
                "add_materials": (AddMaterial("hukou", SHOE),),
                "drop_materials": (DropMaterial("hukou", "shoe", {"married": True}),),
            },
            f"{W} 免交材料 hukou/shoe",
            "同一情形下既增加又免交同一材料，规则矛盾",
        ),
        (
            {
                "add_materials": (AddMaterial("hukou", SHOE, {"married": True}),),
                "drop_materials": (DropMaterial("hukou", "shoe"),),
            },
            f"{W} 免交材料 hukou/shoe",
            "同一情形下既增加又免交同一材料，规则矛盾",
        ),
    ],
)
def test_each_bundle_refusal_names_the_item_and_says_why(overrides, where, reason):
    assert refusal(**overrides) == (where, reason)


def test_adding_and_dropping_a_material_in_different_situations_is_allowed():
    validate_bundle(
        spec(
            add_materials=(AddMaterial("hukou", SHOE, {"married": False}),),
            drop_materials=(DropMaterial("hukou", "shoe", {"married": True}),),
        ),
        MATTERS,
    )


def test_a_number_question_may_have_equal_bounds_and_no_bounds():
    validate_bundle(spec(**with_question(Question("n", "?", "number", min=3, max=3))), MATTERS)
    validate_bundle(spec(**with_question(Question("n", "?", "number"))), MATTERS)


AGE = Question("age", "年龄", "number")  # no bounds


def condition_refusal(when, *extra: Question) -> tuple[str, str]:
    return refusal(questions=(*QUESTIONS, *extra), matters=(BundleMatter("birth", when),))


@pytest.mark.parametrize(
    ("when", "reason"),
    [
        ({}, "条件(when)须为“问题: 取值”的映射"),
        ("married", "条件(when)须为“问题: 取值”的映射"),
        ({"any": {"married": True}}, "any 须为条件列表"),
        ({"any": []}, "any 须为条件列表"),
        ({"any": [{"married": True}, {"pets": 1}]}, "条件引用了不存在的问题 pets"),
        ({"any": [{"married": True}], "pets": 1}, "条件引用了不存在的问题 pets"),
        ({"any": [{"hukou_with": "uncle"}]}, "问题 hukou_with 没有选项 uncle"),
        ({"married": 1}, "问题 married 是是否题，条件取值须为 true 或 false"),
        ({"hukou_with": {"all": ["father"]}}, "问题 hukou_with 的条件取值须为选项或选项列表"),
        ({"hukou_with": ["father", "uncle"]}, "问题 hukou_with 没有选项 uncle"),
        ({"services": {"all": ["ins", "bank"]}}, "问题 services 没有选项 bank"),
        ({"services": ["bank"]}, "问题 services 没有选项 bank"),
        ({"children": "3"}, "问题 children 是数字题，条件须为数字或 gt/gte/lt/lte 范围"),
        ({"children": True}, "问题 children 是数字题，条件须为数字或 gt/gte/lt/lte 范围"),
        ({"children": {"gt": 1, "between": 2}}, "数字条件只能用 gt/gte/lt/lte，不能用 between"),
        ({"children": {"eq": 1, "between": 2}}, "数字条件只能用 gt/gte/lt/lte，不能用 between, eq"),
        ({"children": {"gt": "1"}}, "问题 children 的数字条件边界须为数字"),
        ({"children": {"gt": True}}, "问题 children 的数字条件边界须为数字"),
        ({"children": {"gt": 3, "lt": 3}}, "问题 children 的数字条件永远不可能成立"),
        ({"children": {"gte": 3, "lt": 3}}, "问题 children 的数字条件永远不可能成立"),
        ({"children": {"gt": 3, "lte": 3}}, "问题 children 的数字条件永远不可能成立"),
        ({"children": {"gte": 5, "lte": 3}}, "问题 children 的数字条件永远不可能成立"),
        ({"children": {"lt": 1}}, "问题 children 的数字条件永远不可能成立"),
        ({"children": {"gt": 10}}, "问题 children 的数字条件永远不可能成立"),
        ({"children": 0}, "问题 children 的条件取值 0 超出允许范围"),
        ({"children": 11}, "问题 children 的条件取值 11 超出允许范围"),
    ],
)
def test_each_condition_refusal_names_the_item_and_says_why(when, reason):
    assert condition_refusal(when) == (f"{W} 事项 birth", reason)


@pytest.mark.parametrize(
    "when",
    [
        {"children": {"gte": 3, "lte": 3}},
        {"children": {"gt": 2, "lt": 5}},
        {"children": {"lte": 1}},
        {"children": {"gte": 10}},
        {"children": 1},
        {"children": 10},
        {"children": 5},
        {"age": {"lt": 5}},
        {"age": {"gt": 5}},
        {"age": {"gt": 5, "lt": 9}},
        {"age": -3},
        {"services": {"all": ["ins", "card"]}},
        {"services": ["ins", "card"]},
        {"hukou_with": ["father", "mother"]},
        {"any": [{"married": True}, {"children": {"gte": 3}}], "hukou_with": "father"},
    ],
)
def test_conditions_within_bounds_are_accepted(when):
    validate_bundle(
        spec(questions=(*QUESTIONS, AGE), matters=(BundleMatter("birth", when), BundleMatter("hukou"))),
        MATTERS,
    )


def applies(when, answers, *extra: Question) -> bool:
    bundle = spec(
        questions=(*QUESTIONS, *extra), matters=(BundleMatter("birth"), BundleMatter("hukou", when))
    )
    validate_bundle(bundle, MATTERS)
    return "hukou" in resolve(bundle, MATTERS, answers).matters


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"married": True}, True),
        ({"children": 3}, True),
        ({"children": 4, "married": False}, True),
        ({"married": False, "children": 2}, False),
        ({}, False),
    ],
)
def test_any_holds_when_one_of_its_conditions_holds(answers, expected):
    assert applies({"any": [{"married": True}, {"children": {"gte": 3}}]}, answers) is expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"married": True, "hukou_with": "father"}, True),
        ({"married": True, "hukou_with": "mother"}, False),
        ({"married": True}, False),
        ({"hukou_with": "father"}, False),
    ],
)
def test_any_is_one_key_among_others_that_must_all_hold(answers, expected):
    assert applies({"any": [{"married": True}], "hukou_with": "father"}, answers) is expected


@pytest.mark.parametrize(
    ("chosen", "all_of", "one_of"),
    [
        (["ins"], False, True),
        (["card"], False, True),
        (["ins", "card"], True, True),
        ([], False, False),
    ],
)
def test_multiple_choice_all_needs_every_option_and_a_list_needs_one(chosen, all_of, one_of):
    answers = {"services": chosen} if chosen else {}
    assert applies({"services": {"all": ["ins", "card"]}}, answers) is all_of
    assert applies({"services": ["ins", "card"]}, answers) is one_of
    assert applies({"services": {"all": ["ins"]}}, answers) is ("ins" in chosen)


@pytest.mark.parametrize(
    ("when", "true_at", "false_at"),
    [
        ({"children": 2}, [2], [1, 3]),
        ({"children": {"gt": 2}}, [3], [2]),
        ({"children": {"gte": 2}}, [2], [1]),
        ({"children": {"lt": 5}}, [4], [5]),
        ({"children": {"lte": 5}}, [5], [6]),
        ({"children": {"gt": 2, "lte": 4}}, [3, 4], [2, 5]),
    ],
)
def test_number_conditions_hold_exactly_up_to_their_boundary(when, true_at, false_at):
    for n in true_at:
        assert applies(when, {"children": n}) is True, n
    for n in false_at:
        assert applies(when, {"children": n}) is False, n


@pytest.mark.parametrize(
    ("when", "answers", "expected"),
    [
        ({"hukou_with": ["father", "mother"]}, {"hukou_with": "mother"}, True),
        ({"hukou_with": "father"}, {"hukou_with": "mother"}, False),
        ({"married": False}, {"married": False}, True),
        ({"married": False}, {"married": True}, False),
    ],
)
def test_single_and_yes_no_conditions(when, answers, expected):
    assert applies(when, answers) is expected


@pytest.mark.parametrize("spelling", [True, "true", "TRUE", "yes", " Yes ", "1", 1, "是", "y", "Y"])
def test_yes_spellings(spelling):
    assert normalize_answers(spec(), {"married": spelling}) == {"married": True, **({})}


@pytest.mark.parametrize("spelling", [False, "false", "False", "no", "NO", "0", 0, "否", "n", "N"])
def test_no_spellings(spelling):
    assert normalize_answers(spec(), {"married": spelling}) == {"married": False}


def answer_refusal(answers) -> tuple[str, str]:
    with pytest.raises(AnswerError) as err:
        normalize_answers(spec(), answers)
    assert str(err.value) == f"{err.value.question}: {err.value.reason}"
    return err.value.question, err.value.reason


@pytest.mark.parametrize(
    ("answers", "question", "reason"),
    [
        ({"pets": "cat"}, "pets", "一件事「新生儿出生一件事」没有问题 pets"),
        ({"married": "maybe"}, "married", "问题 married 只能回答是或否"),
        ({"married": 2}, "married", "问题 married 只能回答是或否"),
        ({"children": "many"}, "children", "问题 children 须填数字"),
        ({"children": [2]}, "children", "问题 children 须填数字"),
        ({"children": True}, "children", "问题 children 须填数字"),
        ({"children": "nan"}, "children", "问题 children 须填数字"),
        ({"children": 0}, "children", "问题 children 的取值须在 1 到 10 之间"),
        ({"children": "10.5"}, "children", "问题 children 的取值须在 1 到 10 之间"),
        ({"hukou_with": "uncle"}, "hukou_with", "问题 hukou_with 没有选项 uncle"),
        ({"hukou_with": ["father", "mother"]}, "hukou_with", "问题 hukou_with 是单选题，只能选一项"),
        ({"services": ["ins", "bank"]}, "services", "问题 services 没有选项 bank"),
    ],
)
def test_each_answer_refusal_names_the_question_and_says_why(answers, question, reason):
    assert answer_refusal(answers) == (question, reason)


def test_numbers_are_kept_whole_when_whole_and_within_inclusive_bounds():
    clean = normalize_answers(spec(), {"children": "3"})
    assert clean == {"children": 3} and type(clean["children"]) is int
    assert normalize_answers(spec(), {"children": "2.5"}) == {"children": 2.5}
    assert normalize_answers(spec(), {"children": 1}) == {"children": 1}
    assert normalize_answers(spec(), {"children": 10.0}) == {"children": 10}


def test_choices_are_kept_in_catalog_order_once():
    assert normalize_answers(spec(), {"services": ["card", "ins", "card"]}) == {"services": ["ins", "card"]}
    assert normalize_answers(spec(), {"hukou_with": ["mother"]}) == {"hukou_with": "mother"}
    assert normalize_answers(spec(), {"hukou_with": "father"}) == {"hukou_with": "father"}


def test_empty_answers_are_left_out_and_the_rest_kept():
    raw = {"hukou_with": "", "services": [], "married": None, "children": 2}
    assert normalize_answers(spec(), raw) == {"children": 2}


def test_the_resolution_carries_the_clean_answers():
    result = resolve(spec(), MATTERS, {"married": "是", "children": "2"})
    assert result.answers == {"married": True, "children": 2}
    assert result.asked == ["married", "hukou_with", "services", "children", "foreign"]


def test_an_added_material_with_a_listed_code_replaces_it_in_place():
    elsewhere = MaterialSpec("csyxzm", "外地出生医学证明", original=True, copies=2)
    bundle = spec(add_materials=(AddMaterial("hukou", elsewhere, {"married": False}),), drop_materials=())
    validate_bundle(bundle, MATTERS)
    assert resolve(bundle, MATTERS, {"married": False}).materials["hukou"] == [ID, elsewhere, MARRIAGE]
    assert resolve(bundle, MATTERS, {"married": True}).materials["hukou"] == [ID, BIRTH, MARRIAGE]


def test_bundle_question_lookup_and_condition_questions():
    from onevisit.catalog.situations import condition_questions

    assert spec().question("married") is QUESTIONS[0]
    assert spec().question("pets") is None
    assert condition_questions({"any": [{"a": 1}, {"b": 2}], "c": 3}) == {"a", "b", "c"}
    assert condition_questions(None) == set()


def test_error_objects_keep_their_parts():
    err = AnswerError("q", "why")
    assert (err.question, err.reason, str(err)) == ("q", "why", "q: why")
    err2 = RuleError("here", "why")
    assert (err2.where, err2.reason, str(err2)) == ("here", "why", "here: why")


def test_answer_combinations_try_each_option_both_answers_and_every_number_threshold():
    bundle = BundleSpec(
        code="small",
        name="小",
        key_matter="birth",
        questions=(
            Question("yn", "?", "yesno"),
            Question("multi", "?", "multiple", (Option("a", "A"), Option("b", "B"))),
            Question("n", "?", "number", min=1, max=10),
            Question("free", "?", "number", when={"yn": True}),
            Question("open", "?", "number"),
        ),
        matters=(BundleMatter("birth", {"n": {"gt": 10}}), BundleMatter("hukou", {"any": [{"n": 7}]})),
        add_materials=(AddMaterial("hukou", SHOE, {"free": {"lte": 4}}),),
        drop_materials=(DropMaterial("hukou", "jhz", {"n": {"lt": 2}}),),
    )
    combos = list(answer_combinations(bundle))
    seen: dict[str, set] = {}
    for combo in combos:
        for code, value in combo.items():
            seen.setdefault(code, set()).add(tuple(value) if isinstance(value, list) else value)
    assert seen == {
        "yn": {True, False},
        "multi": {("a",), ("b",), ("a", "b")},
        "n": {1, 2, 3, 7, 9, 10},
        "free": {3, 4, 5},
        "open": {0},
    }
    assert len(combos) == 3 * 4 * 7 * 4 * 2
    assert {} in combos


def test_number_thresholds_are_found_beside_an_any_condition_too():
    bundle = BundleSpec(
        code="small",
        name="小",
        key_matter="birth",
        questions=(Question("yn", "?", "yesno"), Question("n", "?", "number", min=0, max=9)),
        matters=(BundleMatter("birth", {"n": {"gt": 3}, "any": [{"yn": True}, {"n": 8}]}),),
    )
    assert {c["n"] for c in answer_combinations(bundle) if "n" in c} == {0, 2, 3, 4, 8, 9}
