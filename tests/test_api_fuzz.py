"""Schemathesis fuzzes every API operation from the API's own OpenAPI document.

Requests go straight into the WSGI application (no server). Every response must be a non-5xx
whose status, content type and body the document declares. Slug parameters are drawn from the
generated values and from slugs that moved (renamed, merged, alias), which answer 301.
"""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.changes import record_all_live
from api.views import api
from tests.factories import CitationFactory, EntryFactory
from tests.moved_slugs import MOVED_PUBLISHERS, MOVED_TAGS, build_moved_slugs
from tests.reading_corpus import build_corpus

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def corpus(db, settings):
    settings.API_RATE_LIMIT = 0
    settings.API_CHANGES_SETTLE_SECONDS = 0
    cache.clear()
    build_corpus(6, tags_per_entry=2, sources_per_entry=2)
    CitationFactory(entry=EntryFactory(body="**Bold** text", tags=["Kiev"]))
    EntryFactory(draft=True, tags=["Draft only"])
    build_moved_slugs()
    record_all_live()
    # Requests go to the WSGI handler directly, which closes old connections when a request
    # starts and ends; that would close the test's transaction. Django's test client does this.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The document is the one /api/v1/openapi.json serves (a test there checks it is served);
# built directly, since loading it over WSGI would touch the database at collection time.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
schema.app = get_wsgi_application()

KNOWN_SLUGS = sorted(
    {*MOVED_TAGS, *MOVED_TAGS.values(), *MOVED_PUBLISHERS, *MOVED_PUBLISHERS.values()}
)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """A slug parameter is the generated one or a known slug, moved or current."""
    if not path_parameters or "slug" not in path_parameters:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters["slug"], *KNOWN_SLUGS]).map(
        lambda slug: {**path_parameters, "slug": slug}
    )


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema_and_never_fails(case, corpus):
    case.call_and_validate(checks=CHECKS)
