"""Staff single sign-on (统一身份认证) over OIDC, with mozilla-django-oidc: the province's identity provider says who
the person is, which roles they hold (a claim listing role codes) and in which hall (a claim with the hall code).
A claim naming an unknown role or hall is refused with a Chinese message and nothing is written."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import Group
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import transaction
from django.http import Http404
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from onevisit.accounts import duties, roles
from onevisit.accounts.models import Hall, Staff

log = logging.getLogger("onevisit.signin")


def username_of(sub: str, claims: dict | None = None) -> str:
    """The local login of a single-sign-on subject: `sso-` and the subject, kept to the characters a login takes,
    so no subject can take over an account made here (such as `admin`)."""
    return "sso-" + re.sub(r"[^\w.@+-]", "_", str(sub))[:140]


class Refused(Exception):
    """The claims do not map to this product's roles and halls: the message says why, in Chinese."""


def mapping(claims: dict) -> tuple[Hall, list[str]]:
    """The hall and the role codes the claims give, or Refused."""
    raw_roles = claims.get(settings.ONEVISIT_OIDC_ROLES_CLAIM)
    if isinstance(raw_roles, str):
        raw_roles = raw_roles.split()
    if not isinstance(raw_roles, list) or not raw_roles:
        raise Refused("统一身份认证未提供本系统的角色，请联系安全管理员")
    codes = [str(code) for code in raw_roles]
    unknown = [code for code in codes if code not in roles.LABELS]
    if unknown:
        raise Refused(f"统一身份认证提供的角色在本系统中不存在：{'、'.join(c[:32] for c in unknown)}")
    try:
        duties.check_roles(codes)
    except ValidationError as exc:
        raise Refused(exc.message_dict["groups"][0]) from None
    hall_code = str(claims.get(settings.ONEVISIT_OIDC_HALL_CLAIM) or "")
    hall = Hall.objects.filter(code=hall_code).first() if hall_code else None
    if hall is None:
        raise Refused(f"统一身份认证提供的大厅代码在本系统中不存在：{hall_code[:32] or '（空）'}")
    return hall, codes


class StaffOIDCBackend(OIDCAuthenticationBackend):
    """Creates or updates the Staff row and its roles from the claims, in one transaction."""

    def retrieve_matching_jwk(self, token):
        """The provider's signing key for this token: by its key id when both name one, else the only key of the
        token's algorithm (a provider with one key may name none); anything else is refused, never a 500."""
        import jwt
        import requests

        response = requests.get(
            self.OIDC_OP_JWKS_ENDPOINT,
            verify=self.get_settings("OIDC_VERIFY_SSL", True),
            timeout=self.get_settings("OIDC_TIMEOUT", 10),
        )
        response.raise_for_status()
        header = jwt.get_unverified_header(token)
        kid, alg = header.get("kid"), header.get("alg")
        keys = [
            key
            for key in response.json().get("keys", [])
            if not (kid and key.get("kid") and key["kid"] != kid) and key.get("alg", alg) == alg
        ]
        if len(keys) != 1:
            raise SuspiciousOperation("no single signing key matches the token")
        return jwt.PyJWK(keys[0])

    def get_username(self, claims):
        return username_of(claims.get("sub", ""))

    def filter_users_by_claims(self, claims):
        sub = claims.get("sub")
        if not sub:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(username=username_of(sub))

    def verify_claims(self, claims):
        try:
            mapping(claims)
        except Refused as exc:
            log.warning("single sign-on refused for subject %r: %s", str(claims.get("sub", ""))[:64], exc)
            if self.request is not None:
                messages.error(self.request, str(exc))
            return False
        return True

    def create_user(self, claims):
        hall, codes = mapping(claims)
        with transaction.atomic():
            user = self.UserModel.objects.create_user(self.get_username(claims))  # no usable password
            self._apply(user, hall, codes, claims)
        return user

    def update_user(self, user, claims):
        hall, codes = mapping(claims)
        with transaction.atomic():
            self._apply(user, hall, codes, claims)
        return user

    @staticmethod
    def _apply(user, hall: Hall, codes: list[str], claims: dict) -> None:
        user.groups.clear()
        user.groups.set(Group.objects.filter(name__in=codes))
        name = str(claims.get("name") or user.get_username())[:50]
        Staff.objects.update_or_create(user=user, defaults={"hall": hall, "display_name": name})


def _configured() -> None:
    if not settings.ONEVISIT_OIDC:
        raise Http404("未配置统一身份认证")


def start(request):
    """统一身份认证登录: off (404) until an issuer is configured."""
    _configured()
    return OIDCAuthenticationRequestView.as_view()(request)


def callback(request):
    _configured()
    return OIDCAuthenticationCallbackView.as_view()(request)
