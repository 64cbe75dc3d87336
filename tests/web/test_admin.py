"""The admin (issue 14): Chinese throughout for the IT centre and the legal section — no English model or field
names, help texts or role names on the index, any changelist, add or change page of the product's models."""

from __future__ import annotations

import re

import lxml.html
import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from tests.conftest import login

pytestmark = pytest.mark.django_db

# Codes and standards that stay as they are written (a resident's ID, a PDF, the SOAP interface…), and the words
# Django's own Chinese texts keep (“按住 Control 键或 Mac 上的 Command 键来选择多项”).
ALLOWED = {"ID", "PDF", "QR", "URL", "IP", "SOAP", "REST", "JSON", "ESC", "POS", "TCP", "HTTP", "API", "SHA", "LDAP",
           "Web", "Service", "Control", "Command", "Mac", "onevisit"}  # fmt: skip
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
]


def english_labels(html: str) -> set[str]:
    """Visible labels that carry an English word (a code such as ID or PDF is not one)."""
    doc = lxml.html.fromstring(html)
    found = set()
    for xpath in LABELS:
        for el in doc.xpath(xpath):
            text = " ".join(el.text_content().split())
            if is_english(text):
                found.add(text)
    return found


@pytest.fixture
def full_hall(hall, settings):
    """The demo hall with the data ferry's back ends and field sets loaded, as `make demo` has them."""
    call_command("ferry", "load", "data/ferry", verbosity=0)
    return hall


def _pages(client):
    yield reverse("admin:index")
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield reverse(f"{prefix}_changelist")
        if model_admin.has_add_permission(_request_of(client)):
            yield reverse(f"{prefix}_add")
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            yield reverse(f"{prefix}_change", args=[first.pk])


def _request_of(client):
    from django.test import RequestFactory

    from onevisit.accounts.models import Staff

    request = RequestFactory().get("/admin/")
    request.user = Staff.objects.get(user__username="admin").user
    return request


def test_every_admin_page_of_the_product_speaks_chinese(full_hall):
    client = login("admin")
    english = {}
    for url in _pages(client):
        response = client.get(url)
        assert response.status_code == 200, url
        if found := english_labels(response.content.decode()):
            english[url] = sorted(found)
    assert not english, "\n".join(f"{url}: {labels}" for url, labels in english.items())


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


def test_the_models_and_their_migrations_agree():
    """Labels live in the models, so a label changed without its migration would show up here."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_cases_are_read_in_the_admin_and_never_written_there(hall):
    """A case changes through the services, which record its events; an admin edit would bypass them."""
    admin_client = login("admin")
    assert admin_client.get("/admin/cases/case/add/").status_code == 403
    page = admin_client.get("/admin/cases/case/").content.decode()
    assert "办件" in page and "/admin/cases/case/add/" not in page
