"""Configuration in one typed place: every variable parsed once, bad ones named at start, nothing else reads the
environment; adapters chosen by name from registries, with their problems listed by `onevisit check`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.db import connection

from onevisit import config
from onevisit.core import notify
from onevisit.core.registry import Registry, UnknownAdapter

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_the_documented_ones():
    env = config.load({})
    assert env.ONEVISIT_ALLOWED_HOSTS == ["127.0.0.1", "localhost"]
    assert (env.ONEVISIT_FERRY_BREAKER_THRESHOLD, env.ONEVISIT_FERRY_BREAKER_COOLDOWN) == (3, 15.0)
    assert (env.ONEVISIT_HOST, env.ONEVISIT_PORT, env.ONEVISIT_WORKERS) == ("127.0.0.1", 8000, 3)
    assert env.ONEVISIT_FERRY_CHAIN and not env.ONEVISIT_DEMO and env.ONEVISIT_NOTIFIER == "demo"
    assert env.data_dir == (Path.cwd() / "var").resolve() and env.audit_dir == env.data_dir / "audit"


def test_values_are_parsed_from_their_text():
    env = config.load(
        {
            "ONEVISIT_ALLOWED_HOSTS": "hall.example, 10.0.0.5,",
            "ONEVISIT_DEMO": "on",
            "ONEVISIT_FERRY_CHAIN": "0",
            "ONEVISIT_FERRY_ADAPTERS": "payment=failing, population=demo",
            "ONEVISIT_PUBLIC_BASE_URL": "https://zwfw.example.gov.cn/",
            "ONEVISIT_DATA_DIR": "/srv/onevisit",
            "DATABASE_URL": "",  # empty is unset: `DATABASE_URL= make demo` means SQLite
        }
    )
    assert env.ONEVISIT_ALLOWED_HOSTS == ["hall.example", "10.0.0.5"]
    assert env.ONEVISIT_DEMO and not env.ONEVISIT_FERRY_CHAIN
    assert env.ONEVISIT_FERRY_ADAPTERS == {"payment": "failing", "population": "demo"}
    assert env.ONEVISIT_PUBLIC_BASE_URL == "https://zwfw.example.gov.cn"
    assert env.exchange_dir == Path("/srv/onevisit/exchange") and env.DATABASE_URL == ""


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("ONEVISIT_PORT", "eighty", "valid integer"),
        ("ONEVISIT_WORKERS", "0", "greater than or equal to 1"),
        ("ONEVISIT_DEBUG", "maybe", "valid boolean"),
        ("ONEVISIT_TIME_ZONE", "Asia/Beijing", "IANA time zone"),
        ("ONEVISIT_OUTLIER_PERCENTILE", "99", "less than 1"),
        ("ONEVISIT_FERRY_BREAKER_COOLDOWN", "-1", "greater than or equal to 0"),
        ("ONEVISIT_FERRY_ADAPTERS", "payment", "key=adapter"),
        ("ONEVISIT_PUBLIC_BASE_URL", "zwfw.example.gov.cn", "http://"),
        ("ONEVISIT_LOG_LEVEL", "LOUD", "INFO"),
        ("DATABASE_URL", "onevisit.sqlite3", "URL"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(name, value, expected):
    with pytest.raises(config.ConfigError) as caught:
        config.load({name: value})
    line = next(line for line in str(caught.value).splitlines() if line.strip().startswith(name))
    assert expected in line


def test_every_bad_variable_is_named_at_once_and_secrets_are_not_echoed():
    with pytest.raises(config.ConfigError) as caught:
        config.load({"ONEVISIT_PORT": "x", "DATABASE_URL": "secret-password-in-here", "ONEVISIT_DEMO": "?"})
    message = str(caught.value)
    assert "ONEVISIT_PORT='x'" in message and "ONEVISIT_DEMO='?'" in message and "DATABASE_URL:" in message
    assert "secret-password-in-here" not in message


def test_the_command_line_stops_at_start_naming_the_bad_variable(tmp_path):
    env = {**os.environ, "ONEVISIT_DATA_DIR": str(tmp_path), "ONEVISIT_KIOSK_IDLE_SECONDS": "soon"}
    done = subprocess.run(
        [sys.executable, "-m", "onevisit", "check"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "ONEVISIT_KIOSK_IDLE_SECONDS='soon'" in done.stderr and "Traceback" not in done.stderr
    assert not list(tmp_path.iterdir())  # stopped before writing anything (keys, static files)


READS_ENVIRONMENT = re.compile(r"os\.environ\.get\(|os\.getenv\(|getenv\(|os\.environ\[|environ\.get\(")


def test_nothing_reads_the_environment_outside_the_settings():
    """Code and tests read django.conf.settings (tests override them); only onevisit.config reads variables.
    Copying the environment for a child process ({**os.environ, …}) is not reading it."""
    readers = []
    for folder in ("src", "tests", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "config.py" and path.parent.name == "onevisit" or path == Path(__file__):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if READS_ENVIRONMENT.search(line):
                    readers.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not readers, "\n".join(readers)


# --- registries and the notifier port ---------------------------------------------------------------------


def test_a_registry_gives_the_class_by_name_and_lists_the_names_when_one_is_unknown():
    port: Registry[object] = Registry("widget")

    @port.register("plain")
    class Plain:
        pass

    assert port["plain"] is Plain and "plain" in port and port.names() == ["plain"]
    with pytest.raises(UnknownAdapter, match=r"widget: no adapter named 'fancy'; one of plain"):
        port["fancy"]
    with pytest.raises(ValueError, match="already"):
        port.register("plain")(type("Other", (), {}))


def test_the_demo_notifier_keeps_what_it_was_given(settings):
    settings.ONEVISIT_NOTIFIER = "demo"
    notify.DemoNotifier.clear()
    notify.notifier().send(notify.Message(phone="13800138000", text="您的办件已办结，请到1号窗口取件"))
    assert list(notify.DemoNotifier.outbox) == [
        notify.Message("13800138000", "您的办件已办结，请到1号窗口取件")
    ]
    notify.DemoNotifier.clear()


def test_the_failing_notifier_refuses_every_message(settings):
    settings.ONEVISIT_NOTIFIER = "failing"
    with pytest.raises(notify.NotifierUnavailable, match="短信网关不可用"):
        notify.notifier().send(notify.Message(phone="13800138000", text="测试"))


def test_every_port_has_a_demo_and_a_failing_adapter_that_check_their_configuration():
    from onevisit.ferry.adapters import BACKENDS
    from onevisit.intake.printing import PRINTERS

    for registry in (notify.NOTIFIERS, BACKENDS, PRINTERS):
        assert {"demo", "failing"} <= set(registry.names()), registry.port
        for name in registry.names():
            assert callable(getattr(registry[name], "check_config", None)), f"{registry.port}/{name}"


def _ids(messages) -> list[str]:
    return sorted(m.id for m in messages)


def test_check_names_an_unknown_notifier_as_an_error(settings):
    assert not checks.run_checks(tags=["adapters"])
    settings.ONEVISIT_NOTIFIER = "sms-gateway"
    found = checks.run_checks(tags=["adapters"])
    assert _ids(found) == ["onevisit.E001"]
    assert found[0].level == checks.ERROR and "ONEVISIT_NOTIFIER" in found[0].msg and "demo" in found[0].hint


def test_check_names_unknown_back_end_and_printer_adapters(settings):
    settings.ONEVISIT_FERRY_ADAPTERS = {"payment": "carrier-pigeon"}
    settings.ONEVISIT_PRINTER_ADAPTERS = {"escpos": "laser", "thermal": "demo"}
    found = checks.run_checks(tags=["adapters"])
    assert _ids(found) == ["onevisit.E010", "onevisit.E020", "onevisit.E021"]
    text = "\n".join(m.msg for m in found)
    assert (
        "ONEVISIT_FERRY_ADAPTERS" in text
        and "carrier-pigeon" in text
        and "laser" in text
        and "thermal" in text
    )


# --- one test database per process ------------------------------------------------------------------------


@pytest.mark.django_db
def test_this_process_has_its_own_sqlite_test_database():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: pytest-django names PostgreSQL's test database itself")
    name = Path(connection.settings_dict["NAME"])
    assert name.name == f"test-onevisit-{os.getpid()}.sqlite3"


def test_stale_test_databases_of_ended_processes_are_removed(tmp_path):
    from tests.conftest import remove_stale_test_databases

    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = int(ended.stdout)
    for name in (
        f"test-onevisit-{dead}.sqlite3",
        f"test-onevisit-{dead}.sqlite3-wal",
        "test-onevisit.sqlite3",
    ):
        (tmp_path / name).write_bytes(b"")
    alive = tmp_path / f"test-onevisit-{os.getpid()}.sqlite3"
    alive.write_bytes(b"")
    remove_stale_test_databases(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [alive.name]


def test_the_audit_keys_are_configured_apart_from_the_data():
    env = config.load({})
    assert env.audit_signing_key == env.data_dir / "audit_signing_key" and env.ONEVISIT_AUDIT_PUBLIC_KEY == ""
    assert env.ONEVISIT_AUDIT_CHECKPOINT_GRACE == 900
    env = config.load(
        {"ONEVISIT_AUDIT_SIGNING_KEY": "/srv/signer/key", "ONEVISIT_AUDIT_PUBLIC_KEY": "ab" * 32}
    )
    assert env.audit_signing_key == Path("/srv/signer/key") and env.ONEVISIT_AUDIT_PUBLIC_KEY == "ab" * 32
    assert config.load({"ONEVISIT_AUDIT_PUBLIC_KEY": "/etc/onevisit/key.pub"}).ONEVISIT_AUDIT_PUBLIC_KEY
    with pytest.raises(config.ConfigError, match="ONEVISIT_AUDIT_PUBLIC_KEY='abababab.*64 hex digits"):
        config.load({"ONEVISIT_AUDIT_PUBLIC_KEY": "ab" * 20})
    with pytest.raises(config.ConfigError, match="ONEVISIT_AUDIT_CHECKPOINT_GRACE"):
        config.load({"ONEVISIT_AUDIT_CHECKPOINT_GRACE": "0"})
