"""三员分立 (issue 16, hole 6): the system administrator (大厅管理), the security administrator and the audit
administrator are three accounts; none holds every role, none grants itself another's duties."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from onevisit.accounts import duties, roles
from onevisit.accounts.services import actor_for
from onevisit.web import demo
from tests.conftest import login, nothing_written
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_no_demo_account_holds_every_role_or_two_of_the_three(hall):
    assert not User.objects.filter(is_superuser=True).exists()
    for user in User.objects.all():
        names = set(user.groups.values_list("name", flat=True))
        assert len(names & set(duties.THREE)) <= 1, user.username
        assert names != set(roles.ALL)
    admin = actor_for(User.objects.get(username="admin"))
    assert not admin.has(roles.GUIDE) and not admin.has(roles.CLERK) and not admin.has(roles.SECURITY_ADMIN)
    assert {u: _roles(u) for u in demo.ADMIN_LOGINS} == {
        "admin": {roles.HALL_ADMIN},
        "anquan": {roles.SECURITY_ADMIN},
        "shenji": {roles.AUDITOR},
    }


def _roles(username: str) -> set[str]:
    return set(User.objects.get(username=username).groups.values_list("name", flat=True))


def test_the_hall_administrator_neither_works_desks_nor_grants_roles(hall):
    admin = login("admin")
    for page in ("/guide/", "/window/w1/", "/office/", "/notice/review/", "/ferry/", "/metrics/"):
        assert admin.get(page).status_code == 403, page
    assert admin.get("/admin/").status_code == 200
    assert admin.get("/admin/queueing/queue/").status_code == 200  # the hall's set-up is theirs
    for page in ("/admin/auth/user/", "/admin/accounts/role/", "/admin/accounts/signinfailure/"):
        assert admin.get(page).status_code == 403, page
    nav = admin.get("/admin/").content.decode()
    assert "/admin/auth/user/" not in nav


def test_the_security_administrator_grants_roles_but_not_two_of_the_three(hall):
    security = login("anquan")
    clerk = User.objects.get(username="chuangkou1")
    legal = Group.objects.get(name=roles.LEGAL)
    page = security.get(f"/admin/auth/user/{clerk.pk}/change/")
    assert page.status_code == 200
    data = _user_form(clerk, [g.pk for g in clerk.groups.all()] + [legal.pk])
    assert security.post(f"/admin/auth/user/{clerk.pk}/change/", data).status_code == 302
    assert _roles("chuangkou1") == {roles.CLERK, roles.LEGAL}
    shenji = User.objects.get(username="shenji")
    both = [Group.objects.get(name=roles.AUDITOR).pk, Group.objects.get(name=roles.HALL_ADMIN).pk]
    with nothing_written():
        refused = security.post(f"/admin/auth/user/{shenji.pk}/change/", _user_form(shenji, both))
    text = refused.content.decode()
    assert refused.status_code == 200 and "三员分立" in text and "审计管理员" in text and "大厅管理" in text
    assert _roles("shenji") == {roles.AUDITOR}


def test_the_security_administrator_cannot_make_anyone_a_superuser_or_change_their_own_role_s_permissions(
    hall,
):
    security = login("anquan")
    clerk = User.objects.get(username="chuangkou1")
    page = security.get(f"/admin/auth/user/{clerk.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    data = {**_user_form(clerk, [g.pk for g in clerk.groups.all()]), "is_superuser": "on"}
    security.post(f"/admin/auth/user/{clerk.pk}/change/", data)
    assert not User.objects.get(pk=clerk.pk).is_superuser
    own = Group.objects.get(name=roles.SECURITY_ADMIN)
    before = set(own.permissions.values_list("pk", flat=True))
    role_page = security.get(f"/admin/accounts/role/{own.pk}/change/").content.decode()
    assert 'name="permissions"' not in role_page
    security.post(
        f"/admin/accounts/role/{own.pk}/change/", {"permissions": [p.pk for p in _all_permissions()]}
    )
    assert set(own.permissions.values_list("pk", flat=True)) == before


def _all_permissions():
    from django.contrib.auth.models import Permission

    return Permission.objects.all()


def test_the_model_refuses_two_of_the_three_whoever_adds_them(hall):
    anquan = User.objects.get(username="anquan")
    hall_admin, auditor = Group.objects.get(name=roles.HALL_ADMIN), Group.objects.get(name=roles.AUDITOR)
    with pytest.raises(ValidationError, match="三员分立"), transaction.atomic():
        anquan.groups.add(hall_admin)
    with pytest.raises(ValidationError, match="三员分立"), transaction.atomic():
        auditor.user_set.add(anquan)
    assert _roles("anquan") == {roles.SECURITY_ADMIN}
    with pytest.raises(ValidationError, match="三员分立"), transaction.atomic():
        StaffFactory(groups__roles=[roles.SECURITY_ADMIN, roles.AUDITOR])


def test_the_audit_administrator_reads_sign_in_records_and_nothing_else(hall):
    from tests.web.test_sign_in import _lock

    _lock("chuangkou2")
    auditor = login("shenji")
    for page in (
        "/admin/accounts/signinfailure/",
        "/admin/accounts/signin/",
        "/admin/accounts/signinlockout/",
    ):
        response = auditor.get(page)
        assert response.status_code == 200, page
    assert "chuangkou2" in auditor.get("/admin/accounts/signinfailure/").content.decode()
    for page in (
        "/admin/auth/user/",
        "/admin/accounts/role/",
        "/admin/accounts/staff/",
        "/admin/catalog/matter/",
        "/admin/queueing/queue/",
        "/admin/accounts/secondfactordevice/",
        "/guide/",
        "/metrics/",
    ):
        assert auditor.get(page).status_code == 403, page
    index = auditor.get("/admin/").content.decode()
    assert "登录失败记录" in index and "事项" not in index


def _user_form(user, group_pks: list[int]) -> dict:
    """What the admin's user page posts back, with the given roles."""
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        **({"is_staff": "on"} if user.is_staff else {}),
        "groups": group_pks,
    }


def test_the_system_administrator_cannot_change_or_remove_the_other_two_administrators(hall):
    """The walk found the hall administrator deleting the audit administrator's staff profile, after which the
    auditor could no longer read the access log."""
    from onevisit.accounts.models import Staff

    admin = login("admin")
    for login_name in ("shenji", "anquan"):
        staff = Staff.objects.get(user__username=login_name)
        url = f"/admin/accounts/staff/{staff.pk}/"
        page = admin.get(f"{url}change/")
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # read-only
        with nothing_written():
            refused = admin.post(f"{url}delete/", {"post": "yes"})
        assert refused.status_code == 403 and "无权访问" in refused.content.decode()
        with nothing_written():
            bulk = admin.post(
                "/admin/accounts/staff/",
                {"action": "delete_selected", "_selected_action": [staff.pk], "post": "yes"},
            )
        assert bulk.status_code == 403 and "无权访问" in bulk.content.decode()
        assert Staff.objects.filter(user__username=login_name).exists()
    add = admin.get("/admin/accounts/staff/add/").content.decode()
    assert ">shenji<" not in add and ">anquan<" not in add  # their logins are not offered for a new profile
    assert login("shenji").get("/audit/access/").status_code == 200


def test_the_admin_s_refusals_and_unknown_addresses_are_chinese_pages(hall):
    admin = login("admin")
    forbidden = admin.get("/admin/auth/user/")
    assert forbidden.status_code == 403 and "无权访问" in forbidden.content.decode()
    missing = admin.get("/admin/no/such/page/")
    assert missing.status_code == 404 and "页面不存在" in missing.content.decode()
    assert "Forbidden" not in forbidden.content.decode() and "Not Found" not in missing.content.decode()


def test_the_top_bar_links_the_admin_for_those_who_work_there(hall):
    """The walk found the audit administrator on the access log with no way to the sign-in records: the top bar
    linked the admin only for accounts with no staff record."""
    import lxml.html

    def admin_links(username: str, address: str) -> list:
        page = lxml.html.fromstring(login(username).get(address).content.decode())
        return page.xpath("//header[@class='topbar']//a[@href='/admin/']")

    assert [a.text_content() for a in admin_links("shenji", "/audit/access/")] == ["管理后台"]
    assert admin_links("chuangkou1", "/window/w1/") == []  # a clerk does not work in the admin
    anquan = login("anquan")
    assert anquan.get("/admin/").status_code == 200 and admin_links("anquan", "/catalog/")
