"""Run by test_two_test_runs.py in two pytest processes at once (not collected on its own: no test_ prefix).

Each process writes its own halls into the test database, gives the other process time to do the same, and
expects to read back exactly its own: with one database file shared by both, the second process's set-up
replaced the first one's database under it."""

from __future__ import annotations

import os
import time

import pytest
from django.db import connection

from onevisit.accounts.models import Hall


@pytest.mark.django_db(transaction=True)
def test_this_process_reads_back_only_what_it_wrote():
    mine = f"p{os.getpid()}"
    for i in range(5):
        Hall.objects.create(code=f"{mine}-{i}", name=f"大厅{i}")
        time.sleep(0.4)
    assert sorted(Hall.objects.values_list("code", flat=True)) == [f"{mine}-{i}" for i in range(5)]
    assert str(os.getpid()) in connection.settings_dict["NAME"] or connection.vendor != "sqlite"
