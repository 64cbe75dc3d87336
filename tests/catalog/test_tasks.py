"""Task graphs: for any acyclic graph, no task starts before its prerequisites, all ready tasks are offered
together, and a cycle is refused."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onevisit.catalog.tasks import GraphError, TaskSpec, critical_days, ready, validate, waves


@st.composite
def acyclic_graphs(draw):
    n = draw(st.integers(1, 12))
    tasks = []
    for i in range(n):
        after = draw(st.lists(st.integers(0, i - 1), unique=True, max_size=3)) if i else []
        tasks.append(
            TaskSpec(
                code=f"t{i}",
                department=f"d{i % 3}",
                time_limit_days=draw(st.integers(0, 5)),
                after=tuple(f"t{j}" for j in after),
            )
        )
    order = draw(st.permutations(tasks))  # catalog order need not be topological
    return list(order)


@given(acyclic_graphs(), st.randoms(use_true_random=False))
def test_simulated_back_office_respects_dependencies_and_offers_all_ready_tasks(tasks, rnd):
    validate(tasks)
    by_code = {t.code: t for t in tasks}
    done, started, finished_order = set(), set(), []
    while len(done) < len(tasks):
        offered = ready(tasks, done, started)
        expected = {t.code for t in tasks if t.code not in done | started and set(t.after) <= done}
        assert set(offered) == expected  # everything ready is offered at once
        started |= set(offered)
        finishing = rnd.choice(sorted(started - done))
        assert set(by_code[finishing].after) <= done  # never before its prerequisites
        done.add(finishing)
        finished_order.append(finishing)
    assert sorted(finished_order) == sorted(by_code)


@given(acyclic_graphs())
def test_waves_cover_every_task_once_in_dependency_order(tasks):
    rounds = waves(tasks)
    seen: set[str] = set()
    for batch in rounds:
        for code in batch:
            assert set(next(t for t in tasks if t.code == code).after) <= seen
        seen |= set(batch)
    assert sorted(seen) == sorted(t.code for t in tasks)
    assert critical_days(tasks) <= sum(t.time_limit_days for t in tasks)


@given(acyclic_graphs(), st.data())
def test_any_back_edge_makes_a_cycle_that_is_refused(tasks, data):
    # pick a task with a prerequisite path and make the prerequisite depend on it
    with_deps = [t for t in tasks if t.after]
    if not with_deps:
        return
    child = data.draw(st.sampled_from(with_deps))
    parent = data.draw(st.sampled_from(child.after))
    cyclic = [
        TaskSpec(t.code, t.department, after=(*t.after, child.code)) if t.code == parent else t for t in tasks
    ]
    with pytest.raises(GraphError, match="循环"):
        validate(cyclic)


def test_critical_path_and_parallel_waves():
    tasks = [
        TaskSpec("accept-check", "人社局", time_limit_days=1),
        TaskSpec("insurance", "医保局", time_limit_days=3, after=("accept-check",)),
        TaskSpec("pension", "社保中心", time_limit_days=5, after=("accept-check",)),
        TaskSpec("card", "社保卡中心", time_limit_days=2, after=("insurance",)),
    ]
    assert waves(tasks) == [["accept-check"], ["insurance", "pension"], ["card"]]
    assert critical_days(tasks) == 6


@pytest.mark.parametrize(
    ("tasks", "message"),
    [
        ([TaskSpec("a", "d"), TaskSpec("a", "d")], "重复"),
        ([TaskSpec("a", "d", after=("a",))], "依赖自己"),
        ([TaskSpec("a", "d", after=("ghost",))], "ghost 不存在"),
        ([TaskSpec("a", "d", after=("b",)), TaskSpec("b", "d", after=("a",))], "循环：a → b → a"),
    ],
)
def test_bad_graphs_are_refused_with_the_reason(tasks, message):
    with pytest.raises(GraphError, match=message):
        validate(tasks)


@pytest.mark.django_db
def test_seed_task_graph_drops_tasks_whose_matter_does_not_apply(catalog):
    from onevisit.catalog import services

    bundle = services.get_bundle("retirement")
    everything = services.checklist_for_bundle("retirement", {"transferred": True, "has_housing_fund": True})
    assert waves(services.tasks_for(bundle, everything.matters)) == [
        ["transfer"],
        ["approval"],
        ["pension", "medins", "housing-fund"],
    ]
    plain = services.checklist_for_bundle("retirement", {"transferred": False, "has_housing_fund": False})
    graph = services.tasks_for(bundle, plain.matters)
    assert waves(graph) == [["approval"], ["pension", "medins"]]
    assert critical_days(graph) == 10


def test_a_task_that_does_not_apply_passes_on_its_prerequisites():
    from types import SimpleNamespace

    from onevisit.catalog import services

    bundle = SimpleNamespace(
        spec={
            "tasks": [
                {"code": "a", "department": "d", "matter": "m1"},
                {"code": "b", "department": "d", "matter": "m2", "after": ["a"]},
                {"code": "c", "department": "d", "matter": "m3", "after": ["b"]},
            ]
        }
    )
    graph = services.tasks_for(bundle, [SimpleNamespace(code="m1"), SimpleNamespace(code="m3")])
    assert [(t.code, t.after) for t in graph] == [("a", ()), ("c", ("a",))]


@pytest.mark.django_db
def test_import_refuses_a_cyclic_task_graph(tmp_path, catalog):
    import yaml

    from onevisit.catalog.importer import CatalogImportError, import_catalog
    from tests.conftest import nothing_written

    bundle = {
        "code": "loop",
        "name": "循环",
        "key_matter": "cbdj",
        "matters": ["cbdj", "gxzy"],
        "tasks": [
            {"code": "x", "matter": "cbdj", "department": "甲", "after": ["y"]},
            {"code": "y", "matter": "gxzy", "department": "乙", "after": ["x"]},
        ],
    }
    path = tmp_path / "loop.yaml"
    path.write_text(yaml.safe_dump({"bundles": [bundle]}, allow_unicode=True), encoding="utf-8")
    with nothing_written(), pytest.raises(CatalogImportError, match="任务依赖形成循环：x → y → x"):
        import_catalog(path)
