"""The admin (issue 14): Chinese throughout for the IT centre and the legal section — no English model or field
names, help texts or role names on the index, any changelist, add or change page of the product's models."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import lxml.html
import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.conftest import code_given, login, nothing_written
from tests.factories import StaffFactory, signed_in

pytestmark = pytest.mark.django_db

# Codes and standards that stay as they are written (a resident's ID, a PDF, the SOAP interface…), and the words
# Django's own Chinese texts keep (“按住 Control 键或 Mac 上的 Command 键来选择多项”).
ALLOWED = {
    "ID",
    "PDF",
    "QR",
    "URL",
    "IP",
    "SOAP",
    "REST",
    "JSON",
    "ESC",
    "POS",
    "TCP",
    "HTTP",
    "API",
    "SHA",
    "LDAP",
    "Web",
    "Service",
    "Control",
    "Command",
    "Mac",
    "onevisit",
}
CJK = re.compile(r"[\u4e00-\u9fff]")
WORD = re.compile(r"[A-Za-z][A-Za-z_]+")
PHRASE = re.compile(r"[A-Za-z][A-Za-z_']*(?:[ ,:-]+[A-Za-z][A-Za-z_']*)+")


def is_english(text: str) -> bool:
    """A label without Chinese that has a word, or English prose (two words or more) inside a Chinese one. A code
    inside a Chinese sentence (“可选 window（窗口）”) is fine: it is what the admin types."""
    if not CJK.search(text):
        return any(w not in ALLOWED for w in WORD.findall(text))
    return any(any(w not in ALLOWED for w in WORD.findall(p)) for p in PHRASE.findall(text))


LABELS = [
    "//h1",
    "//th[@scope='col']",  # the navigation's headings for screen readers too (visually hidden)
    "//caption",
    "//th[@scope='row']/a",  # the index's model names
    "//table[@id='result_list']/thead//th",
    "//div[@id='changelist-filter']//summary | //div[@id='changelist-filter']//h3",
    "//select[@name='action']/option",
    "//label",
    "//div[contains(@class, 'help')]",
    "//fieldset/h2 | //fieldset/legend",
    "//div[contains(@class, 'inline-group')]//h2",
    "//div[contains(@class, 'inline-group')]//thead//th",
    "//select[@multiple]/option",  # roles and other choices offered in pickers
    "//div[@id='content']/h2",  # the object a change page is about
    "//td[contains(@class, 'original')]/p",  # each inline row's title
]


def english_labels(html: str, *, logins: frozenset[str] = frozenset()) -> set[str]:
    """Visible labels that carry an English word (a code such as ID or PDF is not one; nor is a login name, the
    title of a user's page)."""
    doc = lxml.html.fromstring(html)
    found = set()
    for xpath in LABELS:
        for el in doc.xpath(xpath):
            text = " ".join(el.text_content().split())
            if is_english(text) and text not in logins:
                found.add(text)
    return found


@pytest.fixture
def full_hall(hall, settings):
    """The demo hall with the data ferry's back ends and field sets loaded, as `make demo` has them."""
    call_command("ferry", "load", "data/ferry", verbosity=0)
    return hall


def _pages(username: str, covered: set):
    """The admin pages the account may open: its index, and each model's list, add and change pages it may
    view (三员分立: each of the three administrators sees its own part). `covered` collects the models."""
    request = _request_of(username)
    yield reverse("admin:index")
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_or_change_permission(request):
            continue
        covered.add(model)
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield reverse(f"{prefix}_changelist")
        if model_admin.has_add_permission(request):
            yield reverse(f"{prefix}_add")
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            yield reverse(f"{prefix}_change", args=[first.pk])


def _request_of(username: str):
    from django.test import RequestFactory

    from onevisit.accounts.models import Staff

    request = RequestFactory().get("/admin/")
    request.user = Staff.objects.get(user__username=username).user
    return request


def test_every_admin_page_of_the_product_speaks_chinese(full_hall):
    from django.contrib.auth import get_user_model

    from onevisit.web import demo

    logins = frozenset(get_user_model().objects.values_list("username", flat=True))
    english, covered = {}, set()
    for username in demo.ADMIN_LOGINS:  # the system, security and audit administrators
        client = login(username)
        for url in _pages(username, covered):
            response = client.get(url)
            assert response.status_code == 200, (username, url)
            if found := english_labels(response.content.decode(), logins=logins):
                english[url] = sorted(found)
    assert not english, "\n".join(f"{url}: {labels}" for url, labels in english.items())
    assert covered == set(admin.site._registry), (
        set(admin.site._registry) - covered
    )  # every model, by someone


def test_the_check_catches_an_english_label_and_english_prose_but_not_a_code():
    html = (
        "<label>Matter name:</label><label>Code:</label><label>居民身份证 ID</label>"
        "<div class='help'>可容缺: may be promised later</div><div class='help'>可选 window（窗口）</div>"
        "<select multiple><option>事项目录 | 事项 | Can add 事项</option></select>"
    )
    assert english_labels(html) == {
        "Matter name:",
        "Code:",
        "可容缺: may be promised later",
        "事项目录 | 事项 | Can add 事项",
    }


def test_admin_texts_django_leaves_in_english_are_chinese_in_pages_and_scripts(db):
    """Django 5.2's zh_Hans catalog lacks a few admin texts (the navigation's hidden headings, the two-list picker,
    the calendar); the project's locale fills them in, in the page and in the admin's JavaScript catalog."""
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext("Model name") == "名称"
    script = signed_in(StaffFactory(admin=True)).get("/admin/jsi18n/").content.decode()
    assert all(
        json.dumps(text)[1:-1] in script
        for text in ("选择全部%s", "删除全部%s", "选中%s后点击“选择”箭头按钮。")
    )  # JSON-escaped


def test_the_models_and_their_migrations_agree():
    """Labels live in the models, so a label changed without its migration would show up here."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_cases_are_read_in_the_admin_and_never_written_there(db):
    """A case changes through the services, which record its events; an admin edit would bypass them."""
    admin_client = signed_in(StaffFactory(admin=True))
    assert admin_client.get("/admin/cases/case/add/").status_code == 403
    page = admin_client.get("/admin/cases/case/").content.decode()
    assert "办件" in page and "/admin/cases/case/add/" not in page


# ---- pickers and lists of the staff member's own hall ------------------------------------------------------------


@pytest.fixture
def other_hall(hall):
    """A second hall with its own window, queue and printer, none of which the demo hall's admin may pick."""
    from onevisit.accounts.models import Hall, Window
    from onevisit.intake.models import Printer
    from onevisit.queueing.models import Queue

    other = Hall.objects.create(code="east", name="东区政务服务中心")
    Window.objects.create(hall=other, code="e1", name="东区1号窗口")
    Queue.objects.create(hall=other, code="east-q", name="东区综合", prefix="E")
    Printer.objects.create(
        hall=other, code="east-pdf", name="东区浏览器打印", kind="pdf", location="e1-backup"
    )
    return other


def _options(html: str, name: str) -> set[str]:
    doc = lxml.html.fromstring(html)
    return {
        " ".join(o.text_content().split())
        for o in doc.xpath(f"//select[@name='{name}']/option")
        if o.get("value")
    }


def test_the_admin_offers_only_the_staff_member_s_own_hall_in_pickers_and_lists(other_hall):
    admin_client = login("admin")  # the demo hall's administrator
    staff_form = admin_client.get("/admin/accounts/staff/add/").content.decode()
    assert _options(staff_form, "window") == {"1号窗口", "2号窗口", "3号综合窗口"}
    assert _options(staff_form, "hall") == {"示范区政务服务中心"}
    assert _options(staff_form, "compare_halls") >= {
        "东区政务服务中心"
    }  # halls to compare with are other halls
    queue_form = admin_client.get("/admin/queueing/queue/add/").content.decode()
    assert "东区1号窗口" not in _options(queue_form, "windows") and "1号窗口" in _options(
        queue_form, "windows"
    )
    printer_form = admin_client.get("/admin/intake/printer/add/").content.decode()
    assert "东区浏览器打印" not in _options(printer_form, "backup")
    assert "东区综合" not in admin_client.get("/admin/queueing/queue/").content.decode()
    assert (
        admin_client.get(f"/admin/accounts/hall/{other_hall.pk}/change/").status_code == 302
    )  # not found here


def test_a_window_of_another_hall_is_refused_even_when_typed_into_the_form(other_hall):
    from onevisit.accounts.models import Staff, Window

    member = Staff.objects.get(user__username="chuangkou2")
    foreign = Window.objects.get(code="e1")
    admin_client = login("admin")
    url = f"/admin/accounts/staff/{member.pk}/change/"
    data = {
        "user": member.user_id,
        "hall": member.hall_id,
        "window": foreign.pk,
        "display_name": member.display_name,
        "desk": "",
        "department": "",
    }
    with nothing_written():
        page = admin_client.post(url, data)
    assert page.status_code == 200 and "errorlist" in page.content.decode()
    assert Staff.objects.get(pk=member.pk).window.code == "w2"


def test_an_it_centre_account_without_a_hall_sees_every_hall_but_cannot_mix_them(other_hall):
    from django.contrib.auth import get_user_model

    from onevisit.accounts.models import Staff, Window
    from onevisit.queueing.models import Queue

    it_centre = get_user_model().objects.create_superuser("it-centre", password="it-centre-pass")
    client = Client()
    client.login(username="it-centre", password="it-centre-pass")
    code_given(client, it_centre)  # a superuser gives a one-time code too (issue 16)
    assert "东区1号窗口" in _options(client.get("/admin/accounts/staff/add/").content.decode(), "window")
    member = Staff.objects.get(user__username="chuangkou2")
    data = {
        "user": member.user_id,
        "hall": member.hall_id,
        "window": Window.objects.get(code="e1").pk,
        "display_name": member.display_name,
        "desk": "",
        "department": "",
    }
    with nothing_written():
        page = client.post(f"/admin/accounts/staff/{member.pk}/change/", data).content.decode()
    assert "东区1号窗口不在示范区政务服务中心" in page
    queue = Queue.objects.get(code="gxzy", hall=member.hall)
    data = {
        "hall": queue.hall_id,
        "code": queue.code,
        "name": queue.name,
        "prefix": queue.prefix,
        "windows": [Window.objects.get(code="e1").pk],
        "max_recalls": 2,
        "service_minutes": 12,
    }
    with nothing_written():
        page = client.post(f"/admin/queueing/queue/{queue.pk}/change/", data).content.decode()
    assert "队列只能由本大厅的窗口服务" in page


# ---- the data ferry, to read --------------------------------------------------------------------------------------


def test_the_ferry_s_back_ends_and_field_sets_are_shown_in_the_admin_and_changed_only_in_their_file(
    full_hall,
):
    from onevisit.ferry.models import Backend, FieldSet

    admin_client = login("admin")
    backends = admin_client.get("/admin/ferry/backend/").content.decode()
    assert "人口基础信息系统" in backends and "社会保险业务系统" in backends and "基础身份信息" in backends
    sets = admin_client.get("/admin/ferry/fieldset/").content.decode()
    assert "参保状态" in sets and "用人单位名称" in sets and "关系转移" in sets
    insurance = FieldSet.objects.get(code="insurance_status")
    page = admin_client.get(f"/admin/ferry/fieldset/{insurance.pk}/change/").content.decode()
    assert "关系转移要求参保状态为“正常参保”（不通过）" in page and "参保地 → transfer_out_region" in page
    form = lxml.html.fromstring(page).xpath("//form[@id='fieldset_form']")[0]
    assert not form.xpath(".//input[@type!='hidden'] | .//textarea | .//select")  # nothing to type into
    backend = Backend.objects.get(code="population")
    before = (backend.address, backend.field_sets)
    with nothing_written():
        assert (
            admin_client.post(
                f"/admin/ferry/backend/{backend.pk}/change/", {"address": "http://elsewhere/"}
            ).status_code
            == 403
        )
        assert admin_client.get("/admin/ferry/backend/add/").status_code == 403
    backend.refresh_from_db()
    assert (backend.address, backend.field_sets) == before


# ---- roles and a matter's channels -------------------------------------------------------------------------------


def test_roles_are_shown_by_their_chinese_names_and_their_codes_cannot_change(hall):
    from django.contrib.auth.models import Group

    admin_client = login("anquan")  # roles are the security administrator's (三员分立)
    listing = admin_client.get("/admin/accounts/role/").content.decode()
    assert all(label in listing for label in ("法制审核", "窗口人员", "信息中心"))
    legal = Group.objects.get(name="legal")
    page = admin_client.get(f"/admin/accounts/role/{legal.pk}/change/").content.decode()
    assert 'name="name"' not in page  # the code the pages check stays as it is
    assert admin_client.post(f"/admin/accounts/role/{legal.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Group.objects.filter(name="legal").exists()
    assert "法制审核" in admin_client.get(f"/admin/auth/user/?role={legal.pk}").content.decode()
    user_page = admin_client.get(f"/admin/auth/user/{legal.user_set.get().pk}/change/").content.decode()
    assert "法制审核" in _options(user_page, "groups") and "legal" not in _options(user_page, "groups")


def test_a_matter_s_channels_are_ticked_in_the_admin(hall):
    from onevisit.catalog.models import Matter

    matter = Matter.objects.get(code="jfhd")
    admin_client = login("admin")
    url = f"/admin/catalog/matter/{matter.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert 'type="checkbox" name="channels" value="online"' in page and "网上办理" in page
    data = {
        "code": matter.code,
        "name": matter.name,
        "department": matter.department_id,
        "level": matter.level,
        "legal_basis": matter.legal_basis,
        "time_limit_days": matter.time_limit_days,
        "channels": ["window", "online"],
        "form_fields-TOTAL_FORMS": "0",
        "form_fields-INITIAL_FORMS": "0",
    }
    assert admin_client.post(url, data).status_code == 302
    matter.refresh_from_db()
    assert matter.channels == ["window", "online"]


def test_the_admin_greets_staff_by_the_name_they_are_known_by(hall):
    """The walk read "欢迎，admin": the login name; the staff member's display name, else the user's full name,
    else the login."""

    def greeting(client: Client) -> str:
        doc = lxml.html.fromstring(client.get("/admin/").content.decode())
        return " ".join(doc.get_element_by_id("user-tools").xpath("./strong/text()"))

    assert greeting(login("admin")) == "管理员"
    # Chinese punctuation: no space after the full-width comma, no ASCII full stop after the name
    tools = lxml.html.fromstring(login("anquan").get("/admin/").content.decode()).get_element_by_id(
        "user-tools"
    )
    said = " ".join(tools.text_content().split())
    assert said.startswith("欢迎，安全管理员") and "， " not in said and "." not in said, said
    from django.contrib.auth import get_user_model

    plain = get_user_model().objects.create_user("itstaff", password="Hall-Window-2026", is_staff=True)
    client = Client()
    client.force_login(plain)
    assert greeting(client) == "itstaff"  # no staff record, no name: the login
    plain.first_name = "运维"
    plain.save()
    assert greeting(client) == "运维"


def test_roles_are_on_the_admin_index_only_for_those_who_may_use_them(hall):
    """The walk found a dead 角色 row (no link, no action) on the system administrator's index: the delete
    permission answered yes without a role to delete, whatever the user's permissions."""

    def role_rows(client: Client) -> list:
        return lxml.html.fromstring(client.get("/admin/").content.decode()).xpath("//tr[@class='model-role']")

    system_admin = login("admin")  # 三员分立: roles are the security administrator's, not the system admin's
    assert role_rows(system_admin) == []
    assert system_admin.get("/admin/accounts/role/").status_code == 403
    [row] = role_rows(login("anquan"))
    assert row.xpath(".//a[@href='/admin/accounts/role/']")


def test_a_staff_account_without_permissions_is_offered_nothing_in_the_admin(hall):
    """Every model admin asks the user's own permissions: one with none sees no model and may do nothing."""
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    bare = get_user_model().objects.create_user("bare", password="Hall-Window-2026", is_staff=True)
    client = Client()
    client.force_login(bare)
    index = lxml.html.fromstring(client.get("/admin/").content.decode())
    assert index.xpath("//tr[starts-with(@class, 'model-')]") == []
    request = RequestFactory().get("/admin/")
    request.user = bare
    offered = [
        (type(model_admin).__name__, action)
        for model_admin in admin.site._registry.values()
        for action in ("add", "change", "delete", "view")
        if getattr(model_admin, f"has_{action}_permission")(request)
    ]
    assert offered == []


def test_staff_without_the_admins_rights_get_the_plain_refusal_not_a_second_sign_in(hall):
    """The walk found Django's own sign-in form, in its stock wording, offered to a clerk who opened /admin/."""
    clerk = login("chuangkou1")
    page = clerk.get("/admin/", follow=True)
    html = page.content.decode()
    assert page.status_code == 403 and "没有使用管理后台的权限" in html
    assert 'name="password"' not in html


def test_the_admin_sends_a_stranger_to_the_products_sign_in_and_back(hall):
    page = Client().get("/admin/catalog/matter/", follow=True)
    assert page.redirect_chain[-1][0] == "/login/?" + urlencode({"next": "/admin/catalog/matter/"})
    assert Client().get("/admin/login/?next=https://evil.example/").url == "/login/?" + urlencode(
        {"next": "/admin/"}
    )


def test_the_admins_own_people_pass_the_sign_in_address(hall):
    assert login("admin").get("/admin/login/?next=/admin/catalog/matter/").url == "/admin/catalog/matter/"


@pytest.mark.parametrize(
    "model", ["queueing.ticket", "queueing.appointment", "intake.prereview", "intake.consultation"]
)
def test_the_records_of_visits_are_shown_never_edited_or_deleted_in_the_admin(hall, model):
    """The walk found the hall's administrator offered deletion of tickets, desk findings and bookings: records
    that change only through the services, each step an event."""
    from django.apps import apps
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(username="admin")
    model_admin = admin.site._registry[apps.get_model(model)]
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_add_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)


def test_a_ticket_and_a_desk_finding_show_no_request_keys_tokens_or_raw_maps(guide, clerk, window1):
    """The walk found 请求键, 请求指纹 (a JSON blob), the barcode token and the raw 预审材料 map on the detail pages."""
    from tests.journey import prereview

    pr = prereview(guide, "cbdj")
    admin_client = login("admin")
    for address in (
        f"/admin/queueing/ticket/{pr.ticket.pk}/change/",
        f"/admin/intake/prereview/{pr.pk}/change/",
    ):
        page = admin_client.get(address)
        html = page.content.decode()
        assert page.status_code == 200
        shown = {
            label.text_content().strip(" :")
            for label in lxml.html.fromstring(html).xpath("//fieldset//label")
        }
        assert shown and not shown & {"请求键", "请求指纹", "条码令牌", "预审材料", "材料清单版本"}, shown
        assert pr.ticket.token not in html
        assert '["' not in html, "codes as raw JSON lists"
    assert "参保登记" in html and "daoban" not in html.split("<main")[-1].split("</main>")[0]


def test_the_message_list_and_the_job_results_speak_chinese(hall):
    """The walk found the 短信 list's 类别 filter offering "booking" and a job's result reading "sent"."""
    from types import SimpleNamespace

    from onevisit.core import notify

    notify.queue(phone="13712340400", text="测试", kind="booking", hall="demo")
    page = login("admin").get("/admin/core/notification/")
    doc = lxml.html.fromstring(page.content.decode())
    options = [a.text_content().strip() for a in doc.xpath("//*[@id='changelist-filter']//a")]
    assert "预约结果" in options and "booking" not in options
    assert "137****0400" in page.content.decode()
    from django_q.models import Success

    assert admin.site._registry[Success].outcome(SimpleNamespace(result="sent")) == "已发送"
