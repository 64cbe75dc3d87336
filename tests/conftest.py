from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client, override_settings
from django.utils import timezone

from onevisit.accounts.models import Hall, Window
from onevisit.accounts.services import actor_for
from onevisit.catalog.importer import import_catalog
from onevisit.catalog.models import Matter
from onevisit.core import clock
from onevisit.core.notify import DemoNotifier
from onevisit.web import demo

# A refused request still shows the page it was sent from: the record of that read (core.access) is not a write of
# the refused action.
NOT_DOMAIN_WRITES = {"core.AccessRecord", "core.AccessHead"}


def _row_counts() -> dict[str, int]:
    counts = {}
    for app in ("core", "accounts", "catalog", "queueing", "intake", "cases"):
        for model in apps.get_app_config(app).get_models():
            if model._meta.proxy:  # another app's table shown here (roles, sign-in records): not a domain row
                continue
            if model._meta.label not in NOT_DOMAIN_WRITES:
                counts[model._meta.label] = model.objects.count()
    return counts


@contextlib.contextmanager
def nothing_written(*, but_messages: int = 0):
    """Assert that the block writes no row to any domain table and no event; `but_messages`: except that many
    messages to a phone, each with its notification.sent event (a refusal that still tells the holder)."""
    before = _row_counts()
    yield
    after = _row_counts()
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    if but_messages:
        expected = {
            "core.Notification": (before["core.Notification"], before["core.Notification"] + but_messages),
            "core.Event": (before["core.Event"], before["core.Event"] + but_messages),
        }
        assert changed == expected, f"rows written: {changed}"
        return
    assert not changed, f"rows written: {changed}"


def at_once(*calls: Callable[[], object], timeout: float = 120) -> list[object]:
    """Run the calls in threads released together; per call its result or what it raised (never swallowed:
    the caller asserts on it). Each thread closes its own database connections."""
    results: list[object] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = calls[i]()
        except BaseException as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=timeout)
    return results


SEED_CATALOG = Path(__file__).resolve().parent.parent / "data" / "catalog"


@contextlib.contextmanager
def product_service(*command: str, banner: str):
    """A service the product starts with its own command (`onevisit <command>`: the OIDC provider, the SMS
    gateway), as its own process until the block ends; yields the address its first line gives after `banner`."""
    process = subprocess.Popen(
        [sys.executable, "-m", "onevisit", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line.startswith(banner), line
        yield line[len(banner) :].split()[0].rstrip(";/")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_database_url() -> str:
    """The address of this test run's database, for a product process the test starts (a worker, the job
    cluster) to share it."""
    db = connections["default"].settings_dict
    if connections["default"].vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    auth = f"{user}:{db['PASSWORD']}@" if db.get("PASSWORD") else f"{user}@"
    return f"postgresql://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def load_seed_catalog() -> None:
    """The seed catalog, once per database state (rolled-back tests keep it; flushed ones reload it)."""
    if not Matter.objects.filter(code="cbdj").exists():
        import_catalog(SEED_CATALOG, progress=lambda _: None)


def pytest_sessionstart(session) -> None:
    """Remove SQLite test databases that processes killed mid-run left behind (each process has its own, named
    with its pid; a normal end deletes it)."""
    remove_stale_test_databases(Path(settings.DATA_DIR))


def remove_stale_test_databases(folder: Path) -> list[Path]:
    removed = []
    for path in folder.glob(f"{settings.TEST_DATABASE_PREFIX}*.sqlite3*"):
        pid = path.name.removeprefix(settings.TEST_DATABASE_PREFIX).split(".", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            path.unlink(missing_ok=True)
            removed.append(path)
    (folder / "test-onevisit.sqlite3").unlink(missing_ok=True)  # the one all processes used to share
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture
def daytime(monkeypatch):
    """The product's clock running from 10:00 of today in the hall's zone, for a test that moves it by minutes or
    hours (or writes events an hour back) and needs it still to be the same day. Without it such a test fails near
    midnight: CI started one at 23:50 in Asia/Shanghai and a no-show's return 31 minutes later was refused as not
    today's ticket; at 00:55 events written an hour back fell on yesterday. Only this process's clock moves: use
    it in tests that run no worker or simulator of their own."""
    real_now = clock.now
    local = timezone.localtime(real_now(), ZoneInfo(settings.TIME_ZONE))
    offset = local.replace(hour=10, minute=0, second=0, microsecond=0) - local
    monkeypatch.setattr(clock, "now", lambda: real_now() + offset)


@pytest.fixture(scope="session", autouse=True)
def _own_ferry_dirs(tmp_path_factory):
    """This process's audit checkpoints, signing key, pinned public key and file exchange, so two pytest runs in
    one checkout never share them (a test that needs its own sets them again with the settings fixture)."""
    keys = tmp_path_factory.mktemp("audit-keys")
    own = override_settings(
        ONEVISIT_AUDIT_DIR=tmp_path_factory.mktemp("audit"),
        ONEVISIT_EXCHANGE_DIR=tmp_path_factory.mktemp("exchange"),
        ONEVISIT_AUDIT_SIGNING_KEY=keys / "audit_signing_key",
        ONEVISIT_AUDIT_PUBLIC_KEY=str(keys / "checkpoint-key.pub"),
    )
    own.enable()
    from onevisit.ferry import audit

    audit.pin_public_key(keys / "checkpoint-key.pub")  # as a hall's operator does once, outside the data dir
    yield
    own.disable()


@pytest.fixture(scope="session", autouse=True)
def _flush_as_the_owner():
    """Transactional tests empty every table after each test (TRUNCATE on PostgreSQL, DELETE on SQLite), which
    the append-only tables refuse: the suite's flush takes the owner's privileged path, appendonly.lifted()."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    from onevisit.core import appendonly

    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with appendonly.lifted(self.connection):
            original(self, sql_list)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseDatabaseOperations, "execute_sql_flush", execute_sql_flush)
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Import the seed catalog once into the test database; per-test rollbacks keep it."""
    with django_db_blocker.unblock():
        load_seed_catalog()


@pytest.fixture
def catalog(db) -> None:
    load_seed_catalog()


@pytest.fixture
def hall(catalog) -> Hall:
    """The demo hall: windows w1-w3, queues A/B/C, matters cbdj/gxzy/jfhd, staff with roles. A test that needs
    only a hall and someone signed in to it takes `empty_hall` and the factories' named traits instead."""
    return demo.load()


@pytest.fixture
def empty_hall(db) -> Hall:
    """A hall with the demo's code and nothing in it: no windows, queues, slots or staff."""
    from tests.factories import HallFactory

    return HallFactory(code="demo", name="示范区政务服务中心")


@pytest.fixture
def analyst_of_empty_hall(empty_hall) -> Client:
    """An analyst of `empty_hall`, signed in."""
    from tests.factories import StaffFactory, signed_in

    return signed_in(StaffFactory(analyst=True, hall=empty_hall))


def _actor(username: str):
    return actor_for(get_user_model().objects.get(username=username))


@pytest.fixture
def guide(hall):
    return _actor("daoban")


@pytest.fixture
def clerk(hall):
    """Clerk at w1, which serves queues A (参保登记) and B (关系转移)."""
    return _actor("chuangkou1")


@pytest.fixture
def clerk2(hall):
    """Clerk at w2, which serves queues B and C."""
    return _actor("chuangkou2")


@pytest.fixture
def window1(hall) -> Window:
    return Window.objects.get(hall=hall, code="w1")


@pytest.fixture
def window2(hall) -> Window:
    return Window.objects.get(hall=hall, code="w2")


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=demo.DEMO_PASSWORD)
    return code_given(client, get_user_model().objects.get(username=username))


def hall_supervisor() -> Client:
    """The demo's hall administrator given the back-office role too: with no department, they see every
    department's work (三员分立: the hall administrator no longer holds every role by itself)."""
    from django.contrib.auth.models import Group

    from onevisit.accounts import roles

    get_user_model().objects.get(username="admin").groups.add(Group.objects.get(name=roles.OFFICE))
    return login("admin")


def code_given(client: Client, user) -> Client:
    """The session as after the one-time-code step, for an account whose roles need one (issue 16); the tests of
    that step itself sign in with a plain Client instead."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from onevisit.accounts import signin, twofactor

    if signin.needs_second_factor(user):
        device = twofactor.confirmed_device(user) or TOTPDevice.objects.create(user=user, confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def guide_client(hall) -> Client:
    return login("daoban")


@pytest.fixture
def clerk_client(hall) -> Client:
    return login("chuangkou1")


@pytest.fixture
def analyst_client(hall) -> Client:
    return login("fenxi")


class Inbox:
    """The short messages the product sent in this test through the `demo` notifier, read as a phone would."""

    def to(self, phone: str) -> list[str]:
        return [m.text for m in DemoNotifier.outbox if m.phone == phone]

    def link(self, phone: str) -> str:
        """The path of the web address in the latest message to `phone` (the booking page, say)."""
        texts = self.to(phone)
        assert texts, f"no message sent to {phone[:3]}****{phone[-4:]}"
        found = re.findall(r"https?://[^/\s]+(/\S*)", texts[-1])
        assert found, f"no link in the message: {texts[-1]}"
        return found[-1]


@pytest.fixture(autouse=True)
def sms() -> Inbox:
    """Every test starts with an empty outbox; `sms.to(phone)` reads what was sent since."""
    DemoNotifier.clear()
    return Inbox()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Demo staff are created in many tests; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def journey_events():
    """Events of the citizen's journey, leaving out the set-up's own: the catalog's (checklist.*) from the seed
    import, the demo hall's appointment slots generated from its weekly templates, and the staff's sign-ins and
    sign-outs at their windows (window.signed_*), which every test client's login makes."""
    from onevisit.core.models import Event

    return (
        Event.objects.exclude(type__startswith="checklist.")
        .exclude(type="appointment.slots_generated")
        .exclude(type__startswith="window.signed_")
    )


# ---- speed tiers: every test is marked pure, database or browser, so each tier can run on its own ----

_DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}


def tier(item: pytest.Item) -> str:
    """browser: drives Chromium against a live server; database: touches the test database; pure: neither."""
    names = set(getattr(item, "fixturenames", ()))
    if "live_server" in names or item.path.parent.name == "e2e":
        return "browser"
    if names & _DATABASE_FIXTURES or item.get_closest_marker("django_db") is not None:
        return "database"
    return "pure"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(tier(item))
