"""The two-command promise: demo data loads idempotently and `onevisit serve` serves pages and static files."""

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from onevisit.accounts.models import Hall, Staff, Window
from onevisit.catalog.models import Matter
from onevisit.queueing.models import Queue


def test_demo_data_loads_twice_without_duplicates(settings, catalog):
    settings.ONEVISIT_DEMO = True
    call_command("demo", stdout=io.StringIO())
    counts = (Window.objects.count(), Queue.objects.count(), Hall.objects.count(), Staff.objects.count())
    call_command("demo", stdout=io.StringIO())
    assert counts == (3, 4, 1, 13)  # 13 demo staff: the three administrators are three accounts (三员分立)
    assert (
        Window.objects.count(),
        Queue.objects.count(),
        Hall.objects.count(),
        Staff.objects.count(),
    ) == counts


def test_the_demo_banner_names_the_port_it_is_served_on(settings, catalog):
    """`PORT=8300 make demo` printed http://127.0.0.1:8000/… for every page."""
    settings.ONEVISIT_DEMO, settings.ONEVISIT_PORT = True, 8300
    settings.ONEVISIT_SMS_GATEWAY_URL = "http://127.0.0.1:8026"
    out = io.StringIO()
    call_command("demo", stdout=out)
    banner = out.getvalue()
    assert "http://127.0.0.1:8300/guide/" in banner and "http://127.0.0.1:8300/book/demo/" in banner
    assert ":8000" not in banner and "http://127.0.0.1:8026/" in banner


@pytest.mark.django_db
def test_demo_needs_the_catalog_first(settings):
    settings.ONEVISIT_DEMO = True
    Matter.objects.filter(code="cbdj").update(code="cbdj-renamed")
    with pytest.raises(CommandError, match="catalog import"):
        call_command("demo", stdout=io.StringIO())
    assert not Hall.objects.exists()


@pytest.mark.django_db
def test_demo_accounts_are_refused_outside_demo_mode(settings):
    settings.ONEVISIT_DEMO = False
    with pytest.raises(CommandError, match="ONEVISIT_DEMO=1"):
        call_command("demo")
    assert not Staff.objects.exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_runs_gunicorn_with_static_files(tmp_path: Path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "ONEVISIT_DATA_DIR": str(tmp_path),
        "ONEVISIT_DEMO": "1",
    }
    cli = [sys.executable, "-m", "onevisit"]
    subprocess.run([*cli, "migrate", "--noinput", "-v0"], env=env, check=True)
    port = _free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                login = urllib.request.urlopen(f"{base}/login/", timeout=5)
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "server did not start within 60 s"
                time.sleep(0.3)
        assert login.status == 200 and "工作人员登录" in login.read().decode()
        css = urllib.request.urlopen(f"{base}/static/onevisit/site.css", timeout=5)
        assert css.status == 200 and b"--brand" in css.read()
        htmx = urllib.request.urlopen(f"{base}/static/django_htmx/htmx-2.min.js", timeout=5)
        assert htmx.status == 200
        urllib.request.urlopen(f"{base}/login/?code=11010519491231002X", timeout=5)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert "gunicorn" in output.lower() or "Booting worker" in output
    assert (
        "GET /login/" in output and "11010519491231002X" not in output
    )  # the access log has no query strings
