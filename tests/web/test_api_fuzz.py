"""Issue 16, proof: schemathesis generates requests from the API's own OpenAPI schema, valid and not, and sends
them as a logged-in staff member holding every role (the demo's admin) through Django's test client: none may
get a server error. Bounded (a few examples per operation, derandomized) so it runs in the suite's database tier
in about two minutes."""

import json
from urllib.parse import urlencode

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.core import NOT_SET

from onevisit.api import api

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/"))

EXAMPLES = 10


@pytest.fixture
def staff(hall) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_generated_request_gives_a_server_error(case, staff):
    path = case.formatted_path
    if case.query:
        path += "?" + urlencode({k: v for k, v in case.query.items() if v is not None}, doseq=True)
    if case.body is NOT_SET:
        body = b""
    elif isinstance(case.body, (bytes, bytearray)):
        body = bytes(case.body)
    else:
        body = json.dumps(case.body).encode()
    answer = staff.generic(case.method, path, data=body, content_type=case.media_type or "application/json")
    assert answer.status_code < 500, f"{case.method} {path} {body[:500]!r} → {answer.status_code}"
