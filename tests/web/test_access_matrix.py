"""Every route against every role (issue 16, proof): a staff member reaches only the work of their role, in their
own hall, at their own window, for their own department. Each route is tried by every actor it does not belong to
— anonymous, each role of the demo hall, the clerk of another window, the office of another department, and
each role of another hall — with the route's own methods and an empty body. Reaching the use case at all (a 2xx,
a redirect other than to the login page, a 409 or a 422 about the body) is an unauthorised success; the matrix
of them is printed when there is any."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from onevisit.accounts import roles
from onevisit.accounts.models import Department, Window
from onevisit.accounts.services import actor_for
from onevisit.api import api
from onevisit.cases import services as cases
from onevisit.catalog.models import ChecklistVersion
from onevisit.core import clock
from onevisit.intake import services as intake
from onevisit.queueing import services as queueing
from tests.conftest import code_given
from tests.factories import HallFactory, StaffFactory, WindowFactory
from tests.journey import called, everything_for, handed_over

pytestmark = pytest.mark.django_db

RID = "11010519491231002X"

# The roles that may use each route; a route not named here fails the test (a new route must say who may use it).
# "public" = anyone, signed in or not; "staff" = anyone signed in. A route whose address names a thing of the demo
# hall (a window, a case, a ticket, a task, a pre-review) is further limited to the demo hall and, below, to the
# window or department the thing belongs to; the others serve each role its own hall's work, in any hall. The
# legal section reviews the city's catalog, which belongs to no hall.
PUBLIC = "public"
OWNER = {
    # pages
    "home": PUBLIC,
    "favicon": PUBLIC,  # a redirect to the icon in static
    "login": PUBLIC,
    "logout": PUBLIC,
    "oidc_authentication_init": PUBLIC,  # the province's sign-in: 404 unless configured
    "oidc_authentication_callback": PUBLIC,
    "otp-verify": "staff",  # the second step of anyone's sign-in
    "otp-enrol": "staff",
    "password-change": "staff",
    "catalog:index": PUBLIC,
    "catalog:bundle": PUBLIC,
    "catalog:matter": PUBLIC,
    "catalog:bundle-pdf": PUBLIC,
    "catalog:matter-pdf": PUBLIC,
    "catalog:cards": PUBLIC,
    "queueing:board": PUBLIC,
    "queueing:board-feed": PUBLIC,
    "queueing:book": PUBLIC,
    "queueing:book-sent": PUBLIC,
    "queueing:booked": PUBLIC,
    "queueing:booked-qr": PUBLIC,
    "public:status": PUBLIC,
    "public:certificate": PUBLIC,
    "catalog:review": {roles.LEGAL},
    "catalog:publish": {roles.LEGAL},
    "catalog:reject": {roles.LEGAL},
    "catalog:check": {roles.LEGAL},
    "catalog:versions": {roles.LEGAL},
    "cases:window-home": {roles.CLERK},
    "office:work-list": {roles.OFFICE},
    "intake:guide": {roles.GUIDE},
    "intake:prereview-matter": {roles.GUIDE},
    "intake:prereview-bundle": {roles.GUIDE},
    "intake:prereview": {roles.GUIDE},
    "intake:missing-notice": {roles.GUIDE},
    "intake:ticket-pdf": {roles.GUIDE, roles.KIOSK},
    "intake:consultation": {roles.GUIDE},
    "intake:check-in": {roles.GUIDE, roles.KIOSK},
    "intake:no-show-return": {roles.GUIDE},
    "intake:kiosk": {roles.KIOSK},
    "intake:kiosk-matter": {roles.KIOSK},
    "intake:kiosk-ticket": {roles.GUIDE, roles.KIOSK},
    "ferry:console": {roles.IT},
    "ferry:breaker": {roles.IT},
    "ferry:verify": {roles.IT},
    "audit:access-log": {roles.AUDITOR},
    "api:access_records": {roles.AUDITOR},
    "metrics:today": {roles.ANALYST},
    "metrics:review": {roles.ANALYST},
    "metrics:review_file": {roles.ANALYST},
    "planning:plan": {roles.ANALYST},
    "planning:file": {roles.ANALYST},
    # the API: the catalog's reads are the public notice; its documentation is for signed-in staff
    "api:list_matters": PUBLIC,
    "api:get_matter": PUBLIC,
    "api:matter_checklist": PUBLIC,
    "api:list_bundles": PUBLIC,
    "api:get_bundle": PUBLIC,
    "api:bundle_checklist": PUBLIC,
    "api:merged_form": PUBLIC,
    "api:api-root": "staff",
    "api:openapi-json": "staff",
    "api:openapi-view": "staff",
    "api:review_versions": {roles.LEGAL},
    "api:publish_version": {roles.LEGAL},
    "api:reject_version": {roles.LEGAL},
    "api:submit_prereview": {roles.GUIDE},
    "api:consultation": {roles.GUIDE},
    "api:kiosk_ticket": {roles.KIOSK},
    "api:check_in": {roles.GUIDE, roles.KIOSK},
    "api:ticket_status": PUBLIC,
    "api:board": PUBLIC,
    "api:ticket_detail": {roles.CLERK},  # and only at the window the ticket was called to
    "api:office_tasks": {roles.OFFICE},
    "api:submit": {roles.IT},
    "api:envelope": {roles.IT},
    "api:backends": {roles.IT},
    "api:today": {roles.ANALYST},
    "api:indicators": {roles.ANALYST},
    "api:period": {roles.ANALYST},
    "api:outliers": {roles.ANALYST},
    "api:volumes": {roles.ANALYST},
}
# The one demo actor each object-scoped route belongs to (w1's clerk, 区社保经办's office, 区人社局's office).
WINDOW_OWNER = "chuangkou1"
TASK_OWNER = "houtai1"
VERIFICATION_OWNER = "houtai2"
# What in an address names a thing of one hall.
OBJECT_PARAMS = {
    "window",
    "case_id",
    "ticket_id",
    "commitment_id",
    "task_id",
    "verification_id",
    "token",
    "pk",
}
HALL_FREE = ("catalog:", "api:review_versions", "api:publish_version", "api:reject_version")

DEMO_ACTORS = [
    "daoban",
    "chuangkou1",
    "chuangkou2",
    "fenxi",
    "fazhi",
    "zizhu",
    "houtai1",
    "houtai2",
    "xinxi",
    "admin",
    "anquan",
    "shenji",
]
OTHER_HALL_ROLES = {
    "south-guide": {"guide": True},
    "south-clerk": {"clerk": True},
    "south-analyst": {"analyst": True},
    "south-legal": {"legal": True},
    "south-kiosk": {"kiosk": True},
    "south-office": {"office": True},
    "south-it": {"it": True},
    "south-admin": {"admin": True},
    "south-auditor": {"auditor": True},
    "south-security": {"security_admin": True},
}
# Roles the demo hall has no account for: made in the world below.
EXTRA_DEMO: dict[str, dict[str, bool]] = {}


TRAIT_ROLES = {"admin": roles.HALL_ADMIN, "auditor": roles.AUDITOR, "security_admin": roles.SECURITY_ADMIN}


def _routes():
    """(name, path pattern, methods) of every page and API operation, the admin left to Django's own checks."""
    found = []

    def walk(resolver, prefix, namespace):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(x for x in (namespace, p.namespace) if x)
                walk(p, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                name = ":".join(x for x in (namespace, p.name) if x)
                found.append((name, prefix + str(p.pattern)))

    walk(get_resolver(), "", "")
    methods = {}
    for router_prefix, router in api._routers:
        for path, view in router.path_operations.items():
            full = (
                "api/"
                + (router_prefix.strip("/") + "/" if router_prefix.strip("/") else "")
                + path.lstrip("/")
            )
            for op in view.operations:
                methods.setdefault(full.rstrip("/"), set()).update(op.methods)
    out = []
    for name, pattern in found:
        if pattern.startswith("admin/") or pattern.startswith("static/"):
            continue
        plain = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern)
        out.append((name, pattern, sorted(methods.get(plain.rstrip("/"), {"GET", "POST"}))))
    return out


@pytest.fixture
def world(hall, catalog):
    """One of each thing a route names: a retirement case accepted at window 1 and handed over (its transfer task
    for 区社保经办, a verification asked of 区人社局, a commitment), a waiting ticket, a pre-review, a version."""
    users = get_user_model().objects
    guide = actor_for(users.get(username="daoban"))
    clerk = actor_for(users.get(username="chuangkou1"))
    office = actor_for(users.get(username="houtai1"))
    window1 = Window.objects.get(hall=hall, code="w1")
    answers = {"transferred": True}
    pr = intake.submit_prereview(
        actor=guide,
        bundle_code="retirement",
        answers=answers,
        present=[m for m in everything_for("retirement", answers) if m != "sqb"],
        name="赵丽华",
        resident_id=RID,
        phone="13912345678",
        commitment_signed=True,
        tolerance_due=clock.local_date() + timedelta(days=3),
    )
    assert queueing.call_next(window=window1, actor=clerk) == pr.ticket
    case = handed_over(clerk, cases.accept(actor=clerk, window=window1, code=pr.ticket.token))
    task = case.tasks.get(code="transfer")
    verification = cases.request_verification(
        actor=office, task_id=task.pk, department="rsj", question="请核对参保缴费年限"
    )
    waiting = called(guide, clerk, window1, "gxzy")  # called at w1, not yet accepted
    other = HallFactory(code="south", name="南区政务服务中心")
    south_window = WindowFactory(hall=other, code="s1")
    department = Department.objects.get(code="sbjb")
    for key, trait in OTHER_HALL_ROLES.items():
        StaffFactory(
            user__username=key,
            hall=other,
            window=south_window if "clerk" in trait else None,
            department=department if "office" in trait else None,
            **trait,
        )
    for key, trait in EXTRA_DEMO.items():
        StaffFactory(user__username=key, hall=hall, **trait)
    values = {
        "code": None,  # by route, below
        "hall": hall.code,
        "window": "w1",
        "case_id": case.pk,
        "ticket_id": waiting.pk,
        "commitment_id": case.commitments.first().pk,
        "task_id": task.pk,
        "verification_id": verification.pk,
        "token": pr.ticket.token,
        "backend": "soap",
        "field_set": "social-insurance",
        "envelope_id": "0" * 32,
        "fmt": "xlsx",
        "pk": None,  # a pre-review's or a checklist version's, by route
    }
    return {
        "values": values,
        "prereview": pr.pk,
        "version": ChecklistVersion.objects.filter(status="published").first().pk,
        "booking": None,
    }


def _url(name: str, pattern: str, world) -> str:
    values = dict(world["values"])
    if name.startswith("catalog:") or name.startswith("intake:prereview-") or name == "intake:kiosk-matter":
        values["code"] = "retirement" if "bundle" in name else "cbdj"
    elif name.startswith("cases:") or name.startswith("ferry:"):
        values["code"] = "w1"
    elif name == "api:ticket_detail":
        values["code"] = values["token"]
    elif name.startswith("api:"):
        values["code"] = "cbdj" if "matter" in name else "retirement"
    elif name == "queueing:booked" or name == "queueing:booked-qr":
        values["code"] = "NOPE1234"
    values["pk"] = world["version"] if name.startswith(("catalog:", "api:")) else world["prereview"]
    values["fmt"] = "pdf" if name == "planning:file" else "xlsx"

    def fill(match):
        return str(values[match.group(1)])

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", fill, pattern)


def _allowed(name: str, pattern: str, actor: str | None) -> bool:
    """Whether `actor` may use the route (with the world's things in its address)."""
    owners = OWNER.get(name) or _by_address(name)
    if owners == PUBLIC:
        return True
    if actor is None:
        return False
    held = _roles(actor)
    if owners == "staff":
        return True
    if not held & owners:
        return False
    if name.startswith(HALL_FREE):
        return True
    params = _names(pattern)
    if name == "api:ticket_detail":  # a ticket scanned at the window it was called to
        params.add("ticket_id")
    if name.startswith(("cases:", "ferry:panel", "ferry:manual")) and name != "cases:window-home":
        params.add("window")
    if not params & OBJECT_PARAMS:
        return True  # the role's own hall's work, whichever hall that is
    if "verification_id" in params:
        return actor == VERIFICATION_OWNER
    if "task_id" in params:
        return actor == TASK_OWNER
    if params & {"window", "case_id", "ticket_id", "commitment_id"}:
        return actor == WINDOW_OWNER
    return (
        actor in DEMO_ACTORS or actor in EXTRA_DEMO
    )  # a pre-review or a ticket of the demo hall: its desk, kiosk or windows


def _by_address(name: str) -> set[str]:
    """Routes that need no entry of their own: the window's, the back office's, the ferry's panel."""
    if name.startswith("office:") or name.startswith(
        ("api:office_", "api:approve_", "api:return_", "api:verify_")
    ):
        return {roles.OFFICE}
    if name == "api:answer_verification":
        return {roles.OFFICE}
    if name.startswith(("cases:", "api:")) or name in ("ferry:panel", "ferry:manual"):
        return {roles.CLERK}
    raise KeyError(name)


def _roles(actor: str) -> set[str]:
    if actor in OTHER_HALL_ROLES:
        (trait,) = OTHER_HALL_ROLES[actor]
        return {TRAIT_ROLES.get(trait, trait)}
    return set(get_user_model().objects.get(username=actor).groups.values_list("name", flat=True))


def _client(username: str | None) -> Client:
    """Signed in as the account, past the one-time-code step where its roles need one: the matrix tries what
    each role may do, not the sign-in (tests/web/test_sign_in.py does)."""
    client = Client()
    if username is not None:
        user = get_user_model().objects.get(username=username)
        client.force_login(user)
        code_given(client, user)
    return client


def _reached(response) -> bool:
    """The request got past the gate: anything but a refusal, a not-found, a wrong method, the login page, or a
    422 (the body refused before anything was read or written: the empty body of this test never reaches a use
    case, so a 422 says nothing about the gate; the scope tests post real bodies)."""
    if response.status_code in (401, 403, 404, 405, 422, 429):
        return False
    if getattr(response, "redirect_chain", None) and "/login/" in response.redirect_chain[-1][0]:
        return False
    return not (response.status_code in (301, 302, 303) and "/login/" in response.get("Location", ""))


def test_no_route_serves_anyone_it_does_not_belong_to(world):
    routes = _routes()
    patterns = {name: pattern for name, pattern, _ in routes}
    undeclared = [name for name, _, _ in routes if name not in OWNER and not _declared_by_address(name)]
    assert undeclared == [], f"routes without a declared owner: {undeclared}"
    actors = [None, *DEMO_ACTORS, *EXTRA_DEMO, *OTHER_HALL_ROLES]
    clients = {a: _client(a) for a in actors}
    breaches = []
    tried = 0
    for name, pattern, methods in routes:
        url = _url(name, pattern, world)
        for actor in actors:
            if _allowed(name, pattern, actor):
                continue
            for method in methods:
                tried += 1
                if method == "GET":  # a page that only posts sends a GET back where it came from: follow
                    response = clients[actor].get(url, follow=True)
                    if response.redirect_chain and _landed_where_allowed(response, patterns, actor):
                        continue
                else:  # a redirect after a post is the post done (post, redirect, get)
                    call = getattr(clients[actor], method.lower())
                    response = call(url, data="{}", content_type="application/json")
                if _reached(response):
                    breaches.append(
                        f"{actor or 'anonymous':<14} {method:<5} {url:<64} {response.status_code}"
                    )
    assert tried > 1000
    assert not breaches, f"{len(breaches)} unauthorised successes of {tried} tries:\n" + "\n".join(breaches)


def _landed_where_allowed(response, patterns: dict[str, str], actor: str | None) -> bool:
    """A GET sent back to a page the actor may see (the window's own page, the console) reached nothing."""
    match = resolve(response.request["PATH_INFO"])
    return match.view_name in patterns and _allowed(match.view_name, patterns[match.view_name], actor)


def _declared_by_address(name: str) -> bool:
    try:
        _by_address(name)
    except KeyError:
        return False
    return True


def _names(pattern: str) -> set[str]:
    """The parameters an address takes: `<int:case_id>` and `<case_id>` alike."""
    return set(re.findall(r"<(?:\w+:)?(\w+)>", pattern))


def test_the_matrix_knows_every_role():
    """A role added later must be placed in the matrix: each demo role is tried, in this hall and another."""
    demo_roles = {
        "daoban": roles.GUIDE,
        "chuangkou1": roles.CLERK,
        "fenxi": roles.ANALYST,
        "fazhi": roles.LEGAL,
    }
    assert set(demo_roles) <= set(DEMO_ACTORS)
    traits = {t for trait in OTHER_HALL_ROLES.values() for t in trait}
    assert traits >= {"guide", "clerk", "analyst", "legal", "kiosk", "office", "it", "admin"}
