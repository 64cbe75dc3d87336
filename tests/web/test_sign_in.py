"""Signing in to MLPS level 3 (issue 16, holes 4 and 11): wrong passwords lock a login name and an address for a
while, a second factor for the roles that change or read what others cannot, staff signed out when idle, and a
password policy — every refusal in Chinese."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import lxml.html
import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from onevisit.accounts import signin, twofactor
from onevisit.web import demo
from tests.conftest import login, nothing_written
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-7Q"


def _attempt(client: Client, username: str, password: str, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def _signed_in_as(client: Client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id).username if user_id else None


def _lock(username: str, client: Client | None = None, **extra) -> Client:
    client = client or Client()
    for _ in range(20):
        response = _attempt(client, username, WRONG, **extra)
    assert response.status_code == 429
    return client


# ---- lockout ---------------------------------------------------------------------------------------------------


def test_twenty_wrong_passwords_lock_the_login_with_a_chinese_page_and_the_right_one_is_refused(hall, caplog):
    client = Client()
    caplog.set_level(logging.INFO, logger="onevisit.signin")
    answers = [_attempt(client, "chuangkou1", WRONG).status_code for _ in range(20)]
    assert answers[0] == 200 and answers[-1] == 429  # the login form again, then the lockout page
    assert answers.index(429) <= demo_failure_limit()
    page = _attempt(client, "chuangkou1", demo.DEMO_PASSWORD)
    text = page.content.decode()
    assert (
        page.status_code == 429
        and "暂时无法登录" in text
        and "分钟后自动恢复" in text
        and "安全管理员" in text
    )
    assert "Account locked" not in text and "axes" not in text.lower()
    assert _signed_in_as(client) is None
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "sign-in failed for 'chuangkou1'" in logged and WRONG not in logged  # the name, never the password


def demo_failure_limit() -> int:
    from django.conf import settings

    return settings.AXES_FAILURE_LIMIT + 1


def test_a_lockout_lifts_by_itself_after_the_configured_period(hall, settings):
    client = _lock("chuangkou1")
    assert _attempt(client, "chuangkou1", demo.DEMO_PASSWORD).status_code == 429
    earlier = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    AccessAttempt.objects.update(attempt_time=earlier)  # the period has passed
    assert _attempt(client, "chuangkou1", demo.DEMO_PASSWORD).status_code == 302
    assert _signed_in_as(client) == "chuangkou1"


def test_a_login_name_is_locked_from_every_address_but_not_the_others_at_that_pc(hall):
    _lock("chuangkou1", REMOTE_ADDR="10.0.0.1")
    elsewhere = Client()  # another PC (another process would read the same rows)
    refused = _attempt(elsewhere, "chuangkou1", demo.DEMO_PASSWORD, REMOTE_ADDR="10.0.0.2")
    assert refused.status_code == 429 and "该账号密码输错次数过多" in _lockout_text(refused)
    assert "这台电脑" not in _lockout_text(refused)
    assert _attempt(elsewhere, "chuangkou2", demo.DEMO_PASSWORD, REMOTE_ADDR="10.0.0.3").status_code == 302


def test_five_wrong_passwords_for_one_login_at_a_shared_pc_do_not_lock_the_others_there(hall, settings):
    """The guide desk's PC: a clerk's typos lock the clerk, not the security administrator who signs in next."""
    desk = {"REMOTE_ADDR": "10.0.0.7"}
    answers = [
        _attempt(Client(), "chuangkou1", WRONG, **desk).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert answers[-1] == 429
    next_one = Client()
    assert _attempt(next_one, "anquan", demo.DEMO_PASSWORD, **desk).status_code == 302
    assert _signed_in_as(next_one) == "anquan"
    assert _attempt(Client(), "chuangkou2", demo.DEMO_PASSWORD, **desk).status_code == 302


def test_a_colleagues_sign_in_at_the_pc_does_not_clear_another_logins_count(hall, settings):
    desk = {"REMOTE_ADDR": "10.0.0.7"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _attempt(Client(), "anquan", WRONG, **desk)
    assert _attempt(Client(), "chuangkou1", demo.DEMO_PASSWORD, **desk).status_code == 302
    assert _attempt(Client(), "anquan", WRONG, **desk).status_code == 429  # the count held: this one locks
    assert _attempt(Client(), "chuangkou2", WRONG, **desk).status_code == 200
    assert _attempt(Client(), "chuangkou2", demo.DEMO_PASSWORD, **desk).status_code == 302
    assert not AccessAttempt.objects.filter(username="chuangkou2").exists()  # a right password clears its own


def _guess_at(address: str, count: int) -> list[int]:
    """`count` wrong passwords from one address, four per login name (under the name's own limit), most of the
    names not existing: one PC guessing across logins."""
    return [
        _attempt(Client(), f"guess{i // 4}", WRONG, REMOTE_ADDR=address).status_code for i in range(count)
    ]


def test_an_address_is_locked_after_its_own_higher_limit_whatever_the_names(hall, settings):
    limit = settings.ONEVISIT_LOGIN_ADDRESS_FAILURE_LIMIT
    assert limit == 30 and limit > settings.AXES_FAILURE_LIMIT
    answers = _guess_at("10.0.0.9", limit)
    assert answers[:-1] == [200] * (limit - 1) and answers[-1] == 429  # the one that reaches the limit locks
    refused = _attempt(Client(), "anquan", demo.DEMO_PASSWORD, REMOTE_ADDR="10.0.0.9")
    text = _lockout_text(refused)
    assert refused.status_code == 429 and "这台电脑已暂停登录" in text and "15 分钟后自动恢复" in text
    assert "该账号" not in text
    assert _attempt(Client(), "anquan", demo.DEMO_PASSWORD, REMOTE_ADDR="10.0.0.10").status_code == 302
    earlier = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    AccessAttempt.objects.update(attempt_time=earlier)  # it lifts by itself
    assert _attempt(Client(), "anquan", demo.DEMO_PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_an_address_limit_of_zero_turns_the_address_lock_off(hall, settings):
    settings.ONEVISIT_LOGIN_ADDRESS_FAILURE_LIMIT = 0
    assert set(_guess_at("10.0.0.9", 40)) == {200}
    assert _attempt(Client(), "anquan", demo.DEMO_PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_the_lockout_page_says_the_same_for_a_login_name_that_does_not_exist(hall):
    known = _attempt(_lock("chuangkou1", REMOTE_ADDR="10.0.0.1"), "chuangkou1", WRONG, REMOTE_ADDR="10.0.0.1")
    unknown = _attempt(
        _lock("nobody-here", REMOTE_ADDR="10.0.0.2"), "nobody-here", WRONG, REMOTE_ADDR="10.0.0.2"
    )
    assert known.status_code == unknown.status_code == 429
    assert _lockout_text(known) == _lockout_text(unknown)
    assert "该账号密码输错次数过多，已暂停登录，15 分钟后自动恢复" in _lockout_text(known)


def _lockout_text(response) -> str:
    doc = lxml.html.fromstring(response.content.decode())
    return " ".join(" ".join(doc.xpath("//section[@role='alert']//text()")).split())


def test_the_security_administrator_unlocks_a_login_and_the_others_cannot(hall):
    client = _lock("chuangkou1")
    lockouts = "/admin/accounts/signinlockout/"
    assert login("admin").get(lockouts).status_code == 403  # the system administrator: not theirs
    auditor = login("shenji")
    listed = auditor.get(lockouts).content.decode()
    assert "chuangkou1" in listed and "已锁定" in listed and "解除锁定" not in listed  # reads, cannot unlock
    rows = list(AccessAttempt.objects.values_list("pk", flat=True))
    auditor.post(lockouts, {"action": "unlock", "_selected_action": rows})
    assert AccessAttempt.objects.count() == len(rows)
    security = login("anquan")
    page = security.post(lockouts, {"action": "unlock", "_selected_action": rows}, follow=True)
    assert _messages(page) == [("success", f"已解除 {len(rows)} 条记录的锁定：账号 chuangkou1。")]
    assert not AccessAttempt.objects.exists()
    assert _attempt(client, "chuangkou1", demo.DEMO_PASSWORD).status_code == 302


def test_the_unlock_command_lifts_a_lockout(hall):
    from django.core.management import call_command

    client = _lock("chuangkou1")
    call_command("axes_reset_username", "chuangkou1", verbosity=0)
    AccessAttempt.objects.filter(ip_address="127.0.0.1").delete()  # and the address: axes_reset_ip 127.0.0.1
    assert _attempt(client, "chuangkou1", demo.DEMO_PASSWORD).status_code == 302


LOCKOUTS = "/admin/accounts/signinlockout/"


def _states(page) -> dict[tuple[str, str], str]:
    """The 登录失败计数 list: (login name, address) → 状态."""
    doc = lxml.html.fromstring(page.content.decode())
    return {
        (
            row.xpath("string(.//*[contains(@class,'field-login_name')])").strip(),
            row.xpath("string(.//*[contains(@class,'field-address')])").strip(),
        ): row.xpath("string(.//*[contains(@class,'field-state')])").strip()
        for row in doc.xpath("//table[@id='result_list']/tbody/tr")
    }


def test_the_list_says_whether_a_row_is_locked_by_its_login_or_its_address(hall, settings):
    settings.ONEVISIT_LOGIN_ADDRESS_FAILURE_LIMIT = 8
    _guess_at("10.0.0.9", 8)  # guess0 and guess1 at 10.0.0.9: the address is locked, neither name
    _lock("chuangkou1", REMOTE_ADDR="10.0.0.1")
    _attempt(Client(), "chuangkou2", WRONG, REMOTE_ADDR="10.0.0.2")
    states = _states(login("anquan").get(LOCKOUTS))
    assert states[("guess0", "10.0.0.9")].startswith("已锁定（地址）")
    assert states[("guess1", "10.0.0.9")].startswith("已锁定（地址）")
    assert states[("chuangkou1", "10.0.0.1")].startswith("已锁定（账号）")
    assert states[("chuangkou2", "10.0.0.2")] == "未锁定"
    assert "自动解除" in states[("guess0", "10.0.0.9")]


def test_unlocking_says_what_was_locked_and_leaves_the_rest(hall, settings):
    settings.ONEVISIT_LOGIN_ADDRESS_FAILURE_LIMIT = 8
    _guess_at("10.0.0.9", 8)
    _attempt(Client(), "chuangkou2", WRONG, REMOTE_ADDR="10.0.0.2")
    security = login("anquan")
    unlocked = AccessAttempt.objects.get(username="guess0").pk
    not_locked = AccessAttempt.objects.get(username="chuangkou2").pk

    page = security.post(LOCKOUTS, {"action": "unlock", "_selected_action": [not_locked]}, follow=True)
    assert _messages(page) == [("warning", "所选的 1 条记录都未锁定，没有需要解除的锁定。")]
    assert AccessAttempt.objects.count() == 3

    page = security.post(
        LOCKOUTS, {"action": "unlock", "_selected_action": [unlocked, not_locked]}, follow=True
    )
    assert _messages(page) == [
        ("success", "已解除 1 条记录的锁定：地址 10.0.0.9；另有 1 条记录未锁定，未作改动。")
    ]
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["chuangkou2"]
    assert _attempt(Client(), "chuangkou1", demo.DEMO_PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 302


def _messages(page) -> list[tuple[str, str]]:
    doc = lxml.html.fromstring(page.content.decode())
    return [(li.get("class"), li.text_content().strip()) for li in doc.xpath("//ul[@class='messagelist']/li")]


# ---- the second factor -----------------------------------------------------------------------------------------

SECOND_FACTOR = [
    ("admin", "/admin/"),
    ("fazhi", "/notice/review/"),
    ("xinxi", "/ferry/"),
    ("anquan", "/admin/auth/user/"),
    ("shenji", "/admin/accounts/signinfailure/"),
]


@pytest.mark.parametrize(("username", "page"), SECOND_FACTOR)
def test_each_role_that_needs_a_second_factor_is_held_at_the_code_step(hall, username, page):
    client = Client()
    assert _attempt(client, username, demo.DEMO_PASSWORD).status_code == 302
    for address in (page, "/admin/", "/", "/login/password/"):
        refused = client.get(address)
        assert refused.status_code == 302 and refused["Location"].startswith("/login/otp/"), address
    assert client.get("/api/cases/office/tasks").status_code == 403
    step = client.get(f"/login/otp/?next={page}")
    assert step.status_code == 200 and "请输入动态口令" in step.content.decode()
    with nothing_written():
        wrong = client.post("/login/otp/", {"code": "000000", "next": page})
    assert wrong.status_code == 422 and "动态口令不正确" in wrong.content.decode()
    device = twofactor.confirmed_device(get_user_model().objects.get(username=username))
    _seconds_later(device)  # a wrong code makes the next try wait a second
    right = client.post("/login/otp/", {"code": twofactor.current_code(device), "next": page})
    assert right.status_code == 302 and right["Location"] == page
    assert client.get(page).status_code == 200


def _seconds_later(device) -> None:
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=10)
    )


def test_a_clerk_needs_no_second_factor(hall):
    client = Client()
    _attempt(client, "chuangkou1", demo.DEMO_PASSWORD)
    assert client.get("/window/w1/").status_code == 200


def test_a_new_reviewer_enrols_an_authenticator_with_a_qr_and_the_key(db):
    staff = StaffFactory(legal=True)
    client = Client()
    client.force_login(staff.user)
    assert client.get("/notice/review/")["Location"].startswith("/login/otp/")
    sent_on = client.get("/login/otp/?next=/notice/review/")
    assert sent_on.status_code == 302 and sent_on["Location"].startswith("/login/otp/enrol/")
    page = client.get(sent_on["Location"])
    text = page.content.decode()
    device = twofactor.pending_device(staff.user)
    assert page.status_code == 200 and "<svg" in text
    key = lxml.html.fromstring(text).get_element_by_id("otp-secret")
    assert key.text_content() == twofactor.secret_of(device)
    assert "绑定动态口令" in text
    bad = client.post("/login/otp/enrol/", {"code": "12ab", "next": "/notice/review/"})
    assert bad.status_code == 422 and "动态口令应为 6 位数字" in bad.content.decode()
    done = client.post(
        "/login/otp/enrol/", {"code": twofactor.current_code(device), "next": "/notice/review/"}
    )
    assert done.status_code == 302 and done["Location"] == "/notice/review/"
    assert twofactor.confirmed_device(staff.user) == device
    assert client.get("/notice/review/").status_code == 200


def test_a_code_is_taken_once_and_guessing_is_slowed(hall):
    client = Client()
    _attempt(client, "fazhi", demo.DEMO_PASSWORD)
    device = twofactor.confirmed_device(get_user_model().objects.get(username="fazhi"))
    for _ in range(3):
        client.post("/login/otp/", {"code": "000000"})
    slowed = client.post("/login/otp/", {"code": twofactor.current_code(device)})
    assert slowed.status_code == 422 and "请稍等片刻" in slowed.content.decode()


def test_the_demo_prints_the_code_of_a_demo_login(hall, capsys):
    from django.core.management import call_command

    call_command("totp", "anquan")
    device = twofactor.confirmed_device(get_user_model().objects.get(username="anquan"))
    assert capsys.readouterr().out.strip() == twofactor.current_code(device)


# ---- idle timeout ----------------------------------------------------------------------------------------------


def test_staff_are_signed_out_after_fifteen_idle_minutes(hall, settings):
    assert settings.ONEVISIT_STAFF_IDLE_MINUTES == 15
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600 and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    client = login("daoban")
    assert client.get("/guide/").status_code == 200
    _idle(client, minutes=14)
    assert client.get("/guide/").status_code == 200  # sliding: each request moves it on
    _idle(client, minutes=16)
    response = client.get("/guide/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?")
    assert "idle=1" in response["Location"] and _signed_in_as(client) is None
    page = client.get(response["Location"]).content.decode()
    assert "15 分钟未操作" in page


def test_the_kiosk_device_account_is_not_signed_out_when_idle(hall):
    client = login("zizhu")
    _idle(client, minutes=120)
    assert client.get("/guide/kiosk/").status_code == 200


def _idle(client: Client, *, minutes: int) -> None:
    session = client.session
    session[signin.LAST_SEEN] = int(time.time()) - minutes * 60
    session.save()


# ---- password policy -------------------------------------------------------------------------------------------


def test_a_weak_password_is_refused_in_the_admin_naming_the_field(hall):
    security = login("anquan")
    for weak, reason in (
        ("Ab1!short", "至少 12 个字符"),
        ("alllowercaseletters", "至少 3 种"),
        ("123456789012", "只包含数字"),
    ):
        page = security.post(
            "/admin/auth/user/add/",
            {"username": "newclerk", "usable_password": "true", "password1": weak, "password2": weak},
        )
        assert page.status_code == 200
        doc = lxml.html.fromstring(page.content.decode())
        errors = " ".join(
            doc.xpath("//div[contains(@class,'field-password2')]//ul[@class='errorlist']//text()")
        )
        assert reason in errors, (weak, errors)
    assert not get_user_model().objects.filter(username="newclerk").exists()
    strong = "Hall-Window-2026"
    done = security.post(
        "/admin/auth/user/add/",
        {"username": "newclerk", "usable_password": "true", "password1": strong, "password2": strong},
    )
    assert done.status_code == 302 and get_user_model().objects.filter(username="newclerk").exists()


def test_a_staff_member_changes_their_password_under_the_policy(hall):
    client = login("chuangkou1")
    refused = client.post(
        "/login/password/",
        {"old_password": demo.DEMO_PASSWORD, "new_password1": "short1A!", "new_password2": "short1A!"},
    )
    doc = lxml.html.fromstring(refused.content.decode())
    assert refused.status_code == 200
    assert "至少 12 个字符" in " ".join(doc.xpath("//p[@id='new_password2-error']//text()"))
    strong = "Window-One-2026"
    done = client.post(
        "/login/password/",
        {"old_password": demo.DEMO_PASSWORD, "new_password1": strong, "new_password2": strong},
    )
    assert done.status_code == 302
    assert get_user_model().objects.get(username="chuangkou1").check_password(strong)


def test_after_a_wrong_password_the_focus_is_on_the_password_not_the_username(hall):
    """The walk found the cursor back at the start of the username, the password cleared: the person retyping
    the password typed it into the username."""

    def autofocused(response) -> list[str]:
        return lxml.html.fromstring(response.content.decode()).xpath("//form//input[@autofocus]/@name")

    assert autofocused(Client().get("/login/")) == ["username"]
    refused = _attempt(Client(), "chuangkou1", WRONG)
    assert autofocused(refused) == ["password"]
    assert "login-error" in refused.content.decode()
    assert autofocused(_attempt(Client(), "", WRONG)) == ["username"]  # no username given: it comes first


def test_the_list_reads_every_rows_lockout_in_one_query(hall, settings):
    settings.ONEVISIT_LOGIN_ADDRESS_FAILURE_LIMIT = 8
    security = login("anquan")
    security.get(LOCKOUTS)  # the session and the admin's own reads, warmed
    _guess_at("10.0.0.9", 8)
    with CaptureQueriesContext(connection) as few:
        security.get(LOCKOUTS)
    for n in range(6):
        _attempt(Client(), f"chuangkou{n % 3 + 1}", WRONG, REMOTE_ADDR=f"10.0.1.{n}")
    with CaptureQueriesContext(connection) as many:
        page = security.get(LOCKOUTS)
    assert len(_states(page)) == 8
    assert len(many.captured_queries) == len(few.captured_queries)
