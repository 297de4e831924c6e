"""Shared fixtures, each defined once: browser launch settings, people, common rows, caches."""

import logging
import os
import shutil

import pytest
from django.core.cache import cache, caches

from newsroom.outages import database_outage, database_outage_of
from tests.factories import EntryFactory, PublisherFactory, member, signed_in

# Playwright runs an event loop in the test thread; Django's ORM refuses to run in one unless told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _system_chromium() -> str | None:
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Use the system Chromium when there is one (CI, Debian); otherwise Playwright's own."""
    args = {**browser_type_launch_args, "args": ["--no-sandbox", "--disable-gpu"]}
    executable = _system_chromium()
    if executable:
        args["executable_path"] = executable
    return args


@pytest.fixture
def editor(django_user_model):
    """A staff member with every permission on entries and sources (a superuser keeps it short)."""
    return django_user_model.objects.create_superuser("editor", "editor@example.com", "pw-editor-1")


@pytest.fixture
def moderator(django_user_model):
    """A staff member in the Moderators group (created by the comments data migration)."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        "moderator", "moderator@example.com", "pw-moderator-1", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def reporter(db):
    """A staff member in the Reporters group: changes to live entries wait for an editor."""
    return member("rita", "Reporters")


@pytest.fixture
def editor_member(db):
    """A real member of the Editors group (not a superuser)."""
    return member("amy_editor", "Editors")


@pytest.fixture
def editor_client(editor):
    """The editor's browser; the `client` fixture stays an anonymous reader."""
    return signed_in(editor)


@pytest.fixture
def fresh_cache():
    """The default cache (rate limits, cached pages) empty before and after the test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fresh_counters(fresh_cache):
    """The default and the counters caches (rate limits, sign-in lockouts) empty around the test."""
    caches["counters"].clear()
    yield
    caches["counters"].clear()


@pytest.fixture
def api_settings(settings, fresh_cache):
    """The API with no rate limit, on an empty cache, so a test may call it freely."""
    settings.API_RATE_LIMIT = 0


@pytest.fixture
def no_outage_left_over():
    """The process' database outage states (default, replica) cleared after the test, silently."""
    yield
    logging.disable(logging.CRITICAL)
    try:
        database_outage.recovered()
        database_outage_of("replica").recovered()
    finally:
        logging.disable(logging.NOTSET)


@pytest.fixture
def entry(request, db):
    """A published entry; a module or test shapes it with `pytest.mark.entry(headline=..., ...)`."""
    marker = request.node.get_closest_marker("entry")
    return EntryFactory(**(marker.kwargs if marker else {}))


@pytest.fixture
def bbc(db):
    """The BBC publisher: bbc.co.uk, and bbc.com as its other domain."""
    bbc = PublisherFactory(name="BBC", slug="bbc", domain="bbc.co.uk")
    bbc.other_domains.create(domain="bbc.com")
    return bbc
