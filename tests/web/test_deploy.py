"""Issue 16, hole 12: production mode passes `check --deploy`; the data directory and the SQLite file are private."""

import os
import stat
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "onevisit"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONEVISIT_", "DATABASE_URL", "DJANGO_"))}
    return {
        **env,
        "ONEVISIT_DATA_DIR": str(tmp_path / "data"),
        **extra,
    }


def test_production_mode_behind_tls_passes_check_deploy_without_a_warning(tmp_path):
    env = _env(
        tmp_path,
        ONEVISIT_BEHIND_TLS="1",
        ONEVISIT_ALLOWED_HOSTS="hall.example.gov.cn",
        ONEVISIT_CSRF_TRUSTED_ORIGINS="https://hall.example.gov.cn",
    )
    done = subprocess.run(
        [*CLI, "check", "--deploy", "--fail-level", "WARNING"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNINGS" not in done.stderr and "no issues" in done.stdout


def test_without_tls_check_deploy_names_what_is_missing(tmp_path):
    done = subprocess.run(
        [*CLI, "check", "--deploy", "--fail-level", "WARNING"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "SECURE_HSTS_SECONDS" in done.stderr


def test_the_data_directory_is_0700_and_the_sqlite_file_0600(tmp_path):
    env = _env(tmp_path)
    old = os.umask(0o022)
    try:
        subprocess.run([*CLI, "migrate", "--noinput", "-v0"], env=env, check=True)
    finally:
        os.umask(old)
    data = tmp_path / "data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "onevisit.sqlite3").stat().st_mode) == 0o600
    for name in ("secret_key", "data_key", "ferry_key"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600


def test_an_existing_open_data_directory_is_closed_at_start(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "onevisit.sqlite3").touch(mode=0o644)
    data.chmod(0o755)
    subprocess.run([*CLI, "check", "-v0"], env=_env(tmp_path), check=True, capture_output=True)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "onevisit.sqlite3").stat().st_mode) == 0o600
