"""The catalog admin as the IT centre and the legal section use it: drafts edited in the admin, never a 500."""

import pytest

from onevisit.catalog import services
from onevisit.catalog.models import Matter
from tests.conftest import login

pytestmark = pytest.mark.django_db


def admin_form_data(response) -> dict:
    """What the browser would post back from an admin change page: every form and inline form as rendered."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        forms += list(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    return data


def add_inline_row(data: dict, prefix: str, **fields) -> dict:
    """Fill the next empty row of an inline formset, as the admin's “添加另一个” does."""
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(n + 1)
    for name, value in fields.items():
        data[f"{prefix}-{n}-{name}"] = value
    return data


def test_a_material_added_to_a_draft_in_the_admin_is_saved_under_the_draft_s_matter(hall):
    matter = Matter.objects.get(code="cbdj")
    draft = services.open_draft(matter=matter, user=None)
    admin = login("admin")
    url = f"/admin/catalog/checklistversion/{draft.pk}/change/"
    data = admin_form_data(admin.get(url))
    add_inline_row(data, "materials", position="9", code="jzz", name="居住证", copies="1")
    data["_save"] = "保存"
    response = admin.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    added = draft.materials.get(code="jzz")
    assert added.matter == matter and added.name == "居住证"
    assert draft.materials.count() == services.published_checklist(matter).materials.count() + 1


def test_versions_waiting_for_work_come_first_in_the_admin_list(hall):
    import lxml.html

    returned = services.open_draft(matter=Matter.objects.get(code="jfhd"), user=None)
    page = lxml.html.fromstring(login("admin").get("/admin/catalog/checklistversion/").content.decode())
    first = page.xpath("//table[@id='result_list']/tbody/tr[1]//input[@name='_selected_action']/@value")
    assert first == [str(returned.pk)]
