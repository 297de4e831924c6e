"""The map of the house: arrows point toward `events`, and databases migrate across the move."""

import ast
import re
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

ROOT = Path(__file__).resolve().parent.parent
OUR_APPS = {
    "newsroom",
    "events",
    "sources",
    "comments",
    "stories",
    "reading",
    "desk",
    "interchange",
    "api",
    "push",
}
# Which of our apps each app may import; everything else is an arrow pointing the wrong way.
ALLOWED = {
    "events": set(),
    "sources": {"events"},
    "comments": {"events"},
    "stories": {"events", "sources"},
    "reading": {"events", "sources", "comments", "stories"},
    "desk": {"events", "sources", "comments", "stories"},
    "interchange": {"events", "sources", "comments", "stories"},
    "api": {"events", "sources", "comments", "stories", "reading"},
    "push": {"events", "sources", "comments", "stories", "reading", "desk", "api"},
}
# The cross-cutting pieces of newsroom/ that every room but `events` may use (ARCHITECTURE.md:
# "client address and rate limits"); the rest of newsroom/ (settings, urls) stays out of reach.
SHARED = {"newsroom.clients", "newsroom.ratelimit"}
# Ways to reach another app's models without an import statement.
TRICKS = re.compile(r"get_model\(|\.related_model\b|import_module\(|__import__\(")


def python_files(app: str):
    return sorted(p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


def imported_modules(path: Path) -> set[str]:
    """The modules of ours `path` imports (`from newsroom import ratelimit`: newsroom.ratelimit)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module in OUR_APPS:
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            else:
                names.add(node.module)
    return {name for name in names if name.split(".")[0] in OUR_APPS}


def imported_apps(path: Path, *, shared: bool = False) -> set[str]:
    """The apps of ours `path` imports; with `shared`, newsroom's SHARED modules do not count."""
    modules = imported_modules(path)
    if shared:
        modules = {m for m in modules if not any(m == s or m.startswith(s + ".") for s in SHARED)}
    return {m.split(".")[0] for m in modules}


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_each_app_imports_only_the_apps_it_composes(app):
    wrong = {
        str(path.relative_to(ROOT)): sorted(
            imported_apps(path, shared=app != "events") - ALLOWED[app] - {app}
        )
        for path in python_files(app)
    }
    assert {path: apps for path, apps in wrong.items() if apps} == {}


def test_events_reaches_no_other_app_by_tricks_either():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in python_files("events")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if TRICKS.search(line)
    ]
    assert found == []


def test_the_architecture_check_catches_an_import_of_another_app(tmp_path):
    # The check above must be able to fail: a module importing sources is reported.
    module = tmp_path / "bad.py"
    module.write_text("from sources.models import Source\nimport comments.services\n")
    assert imported_apps(module) == {"sources", "comments"}


def test_only_newsrooms_shared_pieces_are_open_to_the_apps(tmp_path):
    module = tmp_path / "uses.py"
    module.write_text(
        "from newsroom import ratelimit\nfrom newsroom.clients import client_address\n"
    )
    assert imported_apps(module, shared=True) == set()
    module.write_text("from newsroom import settings\nimport newsroom.urls\n")
    assert imported_apps(module, shared=True) == {"newsroom"}


def test_newsroom_holds_configuration_only():
    assert not (ROOT / "newsroom" / "services").exists()
    assert not any((ROOT / "newsroom").rglob("models.py"))


# --- migrating a database created before the move ---------------------------------------------

BEFORE_THE_MOVE = [
    ("events", "0004_related_counts"),
    ("sources", "0001_initial"),
    ("comments", "0003_moderators_group"),
]
AFTER_THE_MOVE = [("interchange", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_migrates_with_its_archive_records_kept():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_THE_MOVE)
    old = executor.loader.project_state(BEFORE_THE_MOVE).apps
    entry = old.get_model("events", "Entry").objects.create(
        event_date="2014-02-19", headline="Kept across the move", slug="kept", status="draft"
    )
    old.get_model("events", "ArchiveRecord").objects.create(entry=entry, level=3, body_level=2)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER_THE_MOVE)
    new = executor.loader.project_state(AFTER_THE_MOVE).apps
    record = new.get_model("interchange", "ArchiveRecord").objects.get()
    assert (record.entry_id, record.level, record.body_level) == (entry.pk, 3, 2)
    assert record.entry.headline == "Kept across the move"

    # And back: the move is state only, so reversing it loses nothing either.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_THE_MOVE)
    old = executor.loader.project_state(BEFORE_THE_MOVE).apps
    assert old.get_model("events", "ArchiveRecord").objects.get().level == 3

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
