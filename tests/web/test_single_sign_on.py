"""Staff single sign-on (统一身份认证, issue 16 hole 5) against a real OpenID Connect provider: oidc-provider-mock,
started as its own process by the product's command (`onevisit oidc-provider`), driven through the authorization-
code flow with the test client (the product's side) and httpx (the browser at the provider)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.contrib.auth import get_user_model

from onevisit.accounts import roles
from onevisit.accounts.models import SignInFailure, Staff
from tests.conftest import nothing_written, product_service

pytestmark = pytest.mark.django_db

pytest.importorskip("oidc_provider_mock")


@pytest.fixture(scope="module")
def provider():
    """The provider's issuer address; the process is stopped after the module."""
    with product_service("oidc-provider", "--port", "0", banner="OIDC provider at ") as issuer:
        yield issuer


@pytest.fixture
def sso(provider, settings):
    """The product configured for the provider, as ONEVISIT_OIDC_ISSUER and its client variables would."""
    settings.ONEVISIT_OIDC = True
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "onevisit.accounts.sso.StaffOIDCBackend",
    ]
    settings.OIDC_RP_CLIENT_ID = "onevisit-test"
    settings.OIDC_RP_CLIENT_SECRET = "onevisit-test-secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider}/oauth2/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider}/oauth2/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{provider}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{provider}/jwks"
    return provider


def _person(provider: str, sub: str, **claims) -> None:
    httpx.put(f"{provider}/users/{sub}", json=claims, timeout=10).raise_for_status()


def _sign_in(client, sub: str):
    """The whole flow: our start page → the provider's consent form (posted as the person) → our callback."""
    start = client.get("/oidc/authenticate/?next=/guide/")
    assert start.status_code == 302
    at_provider = start["Location"]
    answer = httpx.post(at_provider, data={"sub": sub}, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    back = urlsplit(answer.headers["location"])
    assert back.path == "/oidc/callback/"
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    return client.get("/oidc/callback/", query)


def test_the_login_page_offers_single_sign_on_only_when_configured(hall, client, settings):
    assert "统一身份认证登录" not in client.get("/login/").content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404
    settings.ONEVISIT_OIDC = True
    assert "统一身份认证登录" in client.get("/login/").content.decode()


def test_a_province_account_signs_in_as_staff_of_the_hall_with_its_roles(hall, sso, client):
    _person(sso, "gov-0001", name="导办 钱多多", onevisit_roles=[roles.GUIDE], onevisit_hall="demo")
    done = _sign_in(client, "gov-0001")
    assert done.status_code == 302 and done["Location"] == "/guide/"
    member = Staff.objects.select_related("user", "hall").get(user__username="sso-gov-0001")
    assert member.hall == hall and member.display_name == "导办 钱多多"
    assert set(member.user.groups.values_list("name", flat=True)) == {roles.GUIDE}
    assert not member.user.has_usable_password()
    assert client.get("/guide/").status_code == 200
    # the next sign-in follows the provider's change of role, on the same row
    _person(sso, "gov-0001", name="导办 钱多多", onevisit_roles=[roles.ANALYST], onevisit_hall="demo")
    client.logout()
    _sign_in(client, "gov-0001")
    member.refresh_from_db()
    assert set(member.user.groups.values_list("name", flat=True)) == {roles.ANALYST}
    assert Staff.objects.filter(user__username="sso-gov-0001").count() == 1


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"onevisit_roles": ["wizard"], "onevisit_hall": "demo"}, "角色在本系统中不存在：wizard"),
        ({"onevisit_roles": [roles.CLERK], "onevisit_hall": "nowhere"}, "大厅代码在本系统中不存在：nowhere"),
        ({"onevisit_hall": "demo"}, "未提供本系统的角色"),
        ({"onevisit_roles": [roles.HALL_ADMIN, roles.AUDITOR], "onevisit_hall": "demo"}, "三员分立"),
    ],
)
def test_an_unknown_role_or_hall_is_refused_in_chinese_and_nothing_is_written(
    hall, sso, client, claims, message
):
    _person(sso, "gov-0099", name="某人", **claims)
    users = get_user_model().objects.count()
    with nothing_written():
        refused = _sign_in(client, "gov-0099")
    assert refused.status_code == 302 and refused["Location"].startswith("/login/")
    page = client.get(refused["Location"]).content.decode()
    assert message in page
    assert get_user_model().objects.count() == users and client.session.get("_auth_user_id") is None
    assert SignInFailure.objects.exists()  # the refusal is a failed sign-in the audit administrator reads


def test_a_subject_cannot_take_over_a_local_account(hall, sso, client):
    _person(sso, "admin", name="冒名", onevisit_roles=[roles.GUIDE], onevisit_hall="demo")
    _sign_in(client, "admin")
    assert set(get_user_model().objects.get(username="admin").groups.values_list("name", flat=True)) == {
        roles.HALL_ADMIN
    }
    assert Staff.objects.get(user__username="sso-admin").display_name == "冒名"
