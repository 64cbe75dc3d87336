"""Schemathesis over the OpenAPI (issue 16, proof): requests generated from the API's own schema, valid and not,
never give a server error. Bounded: a fixed number of examples per operation, so the run takes a minute or two on
each database. The caller holds every working role (not the administrators'), so each operation's handler is
reached, not only its role check."""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.test import Client
from hypothesis import HealthCheck, given, settings

from onevisit.accounts import roles
from onevisit.accounts.models import Department, Staff, Window
from onevisit.api import api
from tests.factories import StaffFactory

# make test runs it once, on its PostgreSQL leg when there is one: the database a hall runs, and the one where a
# 500 hid (a tracking number over its column); without PostgreSQL the SQLite run has it.
pytestmark = [pytest.mark.django_db, pytest.mark.one_leg]

EXAMPLES = 15  # per operation; 45 operations


@pytest.fixture
def everyone(hall) -> Client:
    """A staff member of the demo hall holding each working role, at window 1, in 区社保经办."""
    staff = StaffFactory(
        hall=hall,
        window=Window.objects.get(hall=hall, code="w1"),
        department=Department.objects.get(code="sbjb"),
    )
    working = [roles.GUIDE, roles.CLERK, roles.ANALYST, roles.LEGAL, roles.KIOSK, roles.OFFICE, roles.IT]
    staff.user.groups.set([Group.objects.get_or_create(name=r)[0] for r in working])
    assert Staff.objects.filter(pk=staff.pk).exists()
    client = Client(raise_request_exception=False)
    client.force_login(staff.user)
    return client


def _send(client: Client, case) -> int:
    sent = case.as_transport_kwargs(base_url="http://testserver")
    url = urlsplit(sent["url"]).path
    if sent.get("params"):
        url += "?" + urlencode(sent["params"], doseq=True)
    headers = {
        k: v for k, v in sent.get("headers", {}).items() if k.lower() not in ("content-type", "connection")
    }
    if "json" in sent:
        body, content_type = json.dumps(sent["json"]), "application/json"
    elif "data" in sent:
        body = sent["data"] if isinstance(sent["data"], str | bytes) else urlencode(sent["data"], doseq=True)
        content_type = sent.get("headers", {}).get("Content-Type", "application/x-www-form-urlencoded")
    else:
        body, content_type = "", "application/json"
    return client.generic(sent["method"], url, body, content_type=content_type, headers=headers).status_code


def test_no_generated_request_gives_a_server_error(everyone):
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    errors: dict[str, list[str]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40

    for operation in operations:
        _probe(operation, everyone, errors.setdefault(operation.label, []))
    errors = {label: found for label, found in errors.items() if found}
    assert not errors, json.dumps(errors, ensure_ascii=False, indent=1)


def _probe(operation, client: Client, found: list[str]) -> None:
    """EXAMPLES generated requests to one operation; each server error is noted with what was sent."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def probe(case):
        status = _send(client, case)
        if status >= 500:
            found.append(f"{status} {case.path_parameters} {case.query} {case.body!r}"[:300])

    probe()
