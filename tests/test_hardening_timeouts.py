"""Timeouts from the environment: database connect and statement timeouts, web versus commands."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.hardening_support import base_settings

ROOT = Path(__file__).resolve().parent.parent
SHOW = (
    "from django.db import connection\n"
    "with connection.cursor() as c:\n"
    "    c.execute('SHOW statement_timeout'); print(c.fetchone()[0])\n"
)


def test_defaults_postgresql_connect_timeout_5s_and_web_statement_timeout_5s(monkeypatch):
    from newsroom import process

    with base_settings(DATABASE_URL="postgres://postgres@127.0.0.1:5432/newsroom") as base:
        command = base.DATABASES["default"]["OPTIONS"]
    monkeypatch.setattr(process, "role", process.WEB)
    with base_settings(DATABASE_URL="postgres://postgres@127.0.0.1:5432/newsroom") as base:
        web = base.DATABASES["default"]["OPTIONS"]
    assert command == {"connect_timeout": 5, "options": "-c statement_timeout=0"}
    assert web == {"connect_timeout": 5, "options": "-c statement_timeout=5000"}


def test_timeouts_come_from_the_environment_and_keep_options_from_the_url(monkeypatch):
    from newsroom import process

    monkeypatch.setattr(process, "role", process.WEB)
    env = {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/newsroom?sslmode=prefer",
        "DB_CONNECT_TIMEOUT": "3",
        "DB_STATEMENT_TIMEOUT_MS": "1500",
    }
    with base_settings(**env) as base:
        options = base.DATABASES["default"]["OPTIONS"]
    assert options == {
        "sslmode": "prefer",
        "connect_timeout": 3,
        "options": "-c statement_timeout=1500",
    }


def test_sqlite_waits_db_connect_timeout_for_a_locked_file():
    with base_settings(DATABASE_URL="sqlite:////tmp/newsroom.sqlite3", DB_CONNECT_TIMEOUT="7") as b:
        # Transactions take the write lock when they begin, so the wait applies to every
        # writer (tests/test_lost_edits.py shows parallel saves then wait rather than fail).
        assert b.DATABASES["default"]["OPTIONS"] == {"timeout": 7, "transaction_mode": "IMMEDIATE"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL pass")
@pytest.mark.parametrize(
    ("entry_point", "expected"),
    [
        ("import newsroom.asgi\n", "1500ms"),
        ("import newsroom.wsgi\n", "1500ms"),
        ("import django; django.setup()\n", "10min"),
    ],
)
def test_on_postgresql_the_web_process_and_commands_get_their_own_statement_timeout(
    entry_point, expected
):
    """gunicorn's process (newsroom.asgi or .wsgi) gets DB_STATEMENT_TIMEOUT_MS, every other process
    (manage.py, shells, migrations) DB_COMMAND_STATEMENT_TIMEOUT_MS."""
    settings_dict = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.production",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "news.example.org",
        "DATABASE_URL": (
            f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}"
            "/postgres"
        ),
        "DB_STATEMENT_TIMEOUT_MS": "1500",
        "DB_COMMAND_STATEMENT_TIMEOUT_MS": "600000",
    }
    result = subprocess.run(
        [sys.executable, "-c", entry_point + SHOW],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == expected, result.stderr
