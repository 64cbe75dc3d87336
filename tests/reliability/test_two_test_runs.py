"""Two pytest processes in one checkout at the same time each get their own SQLite test database and their own
audit and exchange folders: neither breaks the other (they used to share var/test-onevisit.sqlite3)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("probe_one_process.py")


@pytest.mark.django_db
def test_two_pytest_processes_at_once_do_not_share_a_database():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite: the test database is a file in DATA_DIR")
    env = {**os.environ, "DATABASE_URL": ""}
    command = [sys.executable, "-m", "pytest", str(PROBE), "-p", "no:cacheprovider", "-W", "ignore"]
    runs = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0, output[-3000:]
        assert "1 passed" in output
    leftovers = [
        p.name for p in Path(settings.DATA_DIR).glob("test-onevisit-*") if str(runs[0].pid) in p.name
    ]
    assert not leftovers  # each run removed its own database when it ended
