"""Departments are a table: matters, tasks, verifications and staff point at a row, and scope is matched by it."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from onevisit.accounts.models import Department, Staff
from onevisit.accounts.services import actor_for
from onevisit.cases import services
from onevisit.catalog import services as catalog_services
from onevisit.catalog.models import Bundle, Matter
from onevisit.core.errors import Invalid, NotFound
from tests.conftest import hall_supervisor, login, nothing_written
from tests.journey import called, handed_over

pytestmark = pytest.mark.django_db


def _actor(username):
    return actor_for(get_user_model().objects.get(username=username))


def _transfer_case(guide, clerk, window):
    t = called(guide, clerk, window, "gxzy")
    return handed_over(clerk, services.accept(actor=clerk, window=window, code=t.token))


def test_every_matter_and_every_bundle_task_of_the_seed_names_a_department_row(catalog):
    assert not Matter.objects.filter(department__isnull=True).exists()
    codes = set(Department.objects.values_list("code", flat=True))
    for bundle in Bundle.objects.all():
        for task in bundle.spec.get("tasks") or []:
            assert task["department"] in codes, (bundle.code, task)
    # the text days let the retirement bundle's housing-fund task name 市住房公积金管理中心 while its matter and its
    # staff belonged to 市住房公积金管理中心（区管理部）: the district office never saw the task
    retirement = next(
        t for t in Bundle.objects.get(code="retirement").spec["tasks"] if t["code"] == "housing-fund"
    )
    assert retirement["department"] == Matter.objects.get(code="hf-withdraw-retire").department.code
    assert Department.objects.get(code="sbjb").parent.code == "rsj"


def test_a_renamed_department_keeps_its_work_and_its_people(guide, clerk, window1):
    case = _transfer_case(guide, clerk, window1)
    task = case.tasks.get()
    Department.objects.filter(code="sbjb").update(name="区社会保险事业管理中心")
    social = _actor("houtai1")
    assert [t.pk for t in services.work_list(social)] == [task.pk]
    page = login("houtai1").get("/office/").content.decode()
    assert "区社会保险事业管理中心" in page  # the list's heading and the task read the new name
    assert services.office_task(actor=social, task_id=task.pk).department.name == "区社会保险事业管理中心"


def test_a_parent_department_does_not_see_its_childrens_work(guide, clerk, window1):
    """区人社局 is 社保经办机构's parent: that places it, it does not open 社保's cases to 人社 staff."""
    case = _transfer_case(guide, clerk, window1)
    hr = _actor("houtai2")
    assert (
        hr.staff.department.code == "rsj"
        and Department.objects.get(code="sbjb").parent == hr.staff.department
    )
    assert services.work_list(hr) == []
    with pytest.raises(NotFound):
        services.office_task(actor=hr, task_id=case.tasks.get().pk)


def test_verification_picks_a_department_row_by_code_and_refuses_free_text(guide, clerk, window1):
    case = _transfer_case(guide, clerk, window1)
    task = case.tasks.get()
    office = login("houtai1")
    page = office.get(f"/office/tasks/{task.pk}/").content.decode()
    assert '<option value="rsj">区人力资源和社会保障局</option>' in page
    assert 'value="sbjb"' not in page  # not its own department
    with nothing_written():
        refused = office.post(
            f"/api/cases/office/tasks/{task.pk}/verify",
            {"department": "区人力资源和社会保障局", "question": "核实劳动关系"},
            content_type="application/json",
        )
    assert refused.status_code == 422 and "没有部门" in refused.json()["detail"]
    with pytest.raises(Invalid) as err:
        services.request_verification(actor=_actor("houtai1"), task_id=task.pk, department="", question="x")
    assert "department" in err.value.errors
    v = services.request_verification(
        actor=_actor("houtai1"), task_id=task.pk, department="rsj", question="核实"
    )
    assert v.to_department == Department.objects.get(code="rsj")
    body = office.get(f"/api/cases/office/tasks/{task.pk}").json()
    assert body["verifications"][0]["to_department"] == "区人力资源和社会保障局"
    assert body["verifications"][0]["to_department_code"] == "rsj"
    assert body["task"]["department_code"] == "sbjb"
    assert [v.pk for v in services.verification_inbox(_actor("houtai2"))] == [v.pk]


def test_a_matter_without_declared_tasks_gets_one_in_its_own_department(catalog):
    matter = Matter.objects.get(code="gxzy")  # 3 working days, no bundle
    specs = catalog_services.tasks_for(None, [matter])
    assert [(s.code, s.department) for s in specs] == [("gxzy", matter.department.code)]


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_free_text_departments_into_rows():
    """A hall upgrading from the free-text days keeps every staff member's, matter's and task's department."""
    executor = MigrationExecutor(connection)
    before = [
        ("accounts", "0010_chinese_labels"),
        ("catalog", "0006_merge_correction_clock_and_chinese_labels"),
        ("cases", "0006_purpose_correct_and_status_labels"),
    ]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    hall = old.get_model("accounts", "Hall").objects.create(code="old", name="旧大厅")
    user = old.get_model("auth", "User").objects.create(username="old-office")
    old.get_model("accounts", "Staff").objects.create(
        user=user, hall=hall, display_name="老后台", department="区社会保险经办机构"
    )
    old.get_model("accounts", "Staff").objects.create(
        user=old.get_model("auth", "User").objects.create(username="old-clerk"),
        hall=hall,
        display_name="窗口",
    )
    old.get_model("catalog", "Matter").objects.create(
        code="m1", name="甲事项", department="区社会保险经办机构"
    )
    old.get_model("catalog", "Matter").objects.create(code="m2", name="乙事项", department="某新设局")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    office = Staff.objects.get(user__username="old-office")
    assert (office.department.code, office.department.name) == ("sbjb", "区社会保险经办机构")
    assert Staff.objects.get(user__username="old-clerk").department is None
    assert Matter.objects.get(code="m1").department == office.department
    other = Matter.objects.get(code="m2").department
    assert other.name == "某新设局" and other.code.startswith("dept-")
    assert Department.objects.filter(name="区社会保险经办机构").count() == 1  # one row per name


def test_the_work_list_names_each_tasks_department_and_no_title_repeats(guide, clerk, window1):
    """The hall admin's list mixes departments; 养老保险关系转移接续（养老保险关系转移接续） said one thing twice."""
    case = _transfer_case(guide, clerk, window1)
    task = case.tasks.get()
    listed = hall_supervisor().get("/office/").content.decode()
    assert f"{case.number} · {task.role}</a> <small>区社会保险经办机构</small>" in listed
    assert task.matter.name == task.role == "养老保险关系转移接续"  # a matter's own task is named after it
    assert f"{task.role}（{task.role}）" not in listed
    page = login("houtai1").get(f"/office/tasks/{task.pk}/").content.decode()
    assert f"本环节：{task.role} <span" in page
