"""Settings: production hardening, the default database, language and time zone."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.utils import ConnectionHandler

from config import settings as base_settings

BASE_DIR = Path(settings.BASE_DIR)

# Variables the settings read that would change what `check --deploy` sees; the tests
# start from the caller's environment without them.
_PROJECT_VARIABLES = {
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_AGE",
}


def _manage(*args: str, **variables: str) -> subprocess.CompletedProcess:
    """Run manage.py under the production settings in a child process."""
    env = {k: v for k, v in os.environ.items() if k not in _PROJECT_VARIABLES}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings_production"
    # A developer's .env must not fill in what a test leaves out on purpose.
    env["ENV_FILE"] = os.devnull
    env.update(variables)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("preload", [None, "1"], ids=["hsts-preload-default", "hsts-preload-on"])
def test_production_settings_pass_check_deploy(preload):
    variables = {} if preload is None else {"SECURE_HSTS_PRELOAD": preload}
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(45),  # 60 characters
        ALLOWED_HOSTS="example.org",
        **variables,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output, output
    assert "System check identified no issues" in output, output


def test_production_settings_refuse_a_missing_secret_key():
    result = _manage("check", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr, result.stderr


@pytest.mark.parametrize(
    "secret_key",
    ["", "x" * 49, "dev-only-insecure-key-change-me", "dev-only-" + "x" * 60],
    ids=["empty", "49-characters", "development-default", "development-prefix"],
)
def test_production_settings_refuse_a_short_or_development_secret_key(secret_key):
    result = _manage("check", SECRET_KEY=secret_key, ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be a random string of at least 50 characters" in result.stderr, (
        result.stderr
    )


def test_default_database_is_sqlite_in_wal_mode(monkeypatch, tmp_path, django_db_blocker):
    # What the settings build when DATABASE_URL is not set, whatever this run uses.
    monkeypatch.delenv("DATABASE_URL", raising=False)
    default = base_settings._database_settings()
    assert default["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(default["NAME"]) == BASE_DIR / "db.sqlite3"
    assert "PRAGMA journal_mode=WAL" in default["OPTIONS"]["init_command"]
    assert default["OPTIONS"]["transaction_mode"] == "IMMEDIATE"

    # WAL is a property of a database file, so open one with exactly these settings through
    # Django's SQLite backend (the test database itself lives in memory, where SQLite keeps
    # journal_mode=memory).
    handler = ConnectionHandler({"default": {**default, "NAME": str(tmp_path / "wal.sqlite3")}})
    wrapper = handler["default"]
    with django_db_blocker.unblock():
        try:
            with wrapper.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode")
                assert cursor.fetchone()[0] == "wal"
                cursor.execute("PRAGMA synchronous")
                assert cursor.fetchone()[0] == 1  # NORMAL
                cursor.execute("PRAGMA foreign_keys")
                assert cursor.fetchone()[0] == 1
        finally:
            wrapper.close()


def test_connection_uses_the_configured_database(db):
    if connection.vendor == "sqlite":
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            journal_mode = cursor.fetchone()[0]
            cursor.execute("PRAGMA foreign_keys")
            foreign_keys = cursor.fetchone()[0]
        # The init_command ran on this connection; an in-memory test database has no WAL.
        assert foreign_keys == 1
        assert journal_mode == ("memory" if connection.is_in_memory_db() else "wal")
    else:
        # DATABASE_URL points at PostgreSQL (the second CI run).
        assert connection.vendor == "postgresql"
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_language_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True


def test_the_wsgi_entry_point_refuses_the_development_key_outside_debug():
    env = {k: v for k, v in os.environ.items() if k not in _PROJECT_VARIABLES}
    env["ENV_FILE"] = os.devnull
    code = "import config.wsgi"
    refused = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert refused.returncode != 0
    assert "development SECRET_KEY" in refused.stderr
    allowed = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env={**env, "DEBUG": "1"},
        capture_output=True, text=True,
    )  # fmt: skip
    assert allowed.returncode == 0, allowed.stderr
