"""/api/v1/: the ninja API's URL patterns, each wrapped by api.http.api_view."""

import functools
import hashlib
import json

from django.urls import URLPattern

from .http import api_view
from .views import api


@functools.cache
def schema_digest() -> str:
    """A digest of the OpenAPI document: a release that changes the responses changes ETags."""
    document = json.dumps(api.get_openapi_schema(), sort_keys=True, default=str)
    return hashlib.sha256(document.encode()).hexdigest()[:16]


def _wrapped(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = api_view(pattern.callback, shape=schema_digest)
        yield pattern


_patterns, _ninja_app, app_name = api.urls  # app_name: the namespace ninja reverses
urlpatterns = list(_wrapped(_patterns))
