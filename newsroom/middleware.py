"""Site-wide middleware: outages answered with a 503 page, and the headers of every response."""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .cache import CacheUnavailable
from .outages import DATABASE_ERRORS, database_failed, databases_answered, outage_response


class OutageMiddleware:
    """Turn a database that is down, or a cache that must be up and is not, into a 503 page.

    The error is logged by `Outage` (a few lines per outage), not as a traceback per request.
    A database error that escapes another middleware reaches `newsroom.outages.server_error`
    (handler500) instead, with the same answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 503:
            databases_answered()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, DATABASE_ERRORS):  # from any alias: the primary or the replica
            database_failed(exception)
            return outage_response()
        if isinstance(exception, CacheUnavailable):  # already logged by the cache's Outage
            return outage_response()
        return None


class PermissionsPolicyMiddleware:
    """Send settings.PERMISSIONS_POLICY: a news site needs no camera, microphone or location."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class SitePolicyCSPMiddleware(CSPMiddleware):
    """django-csp with two policies: CONTENT_SECURITY_POLICY for the public site, and
    CONTENT_SECURITY_POLICY_ADMIN for the paths under CSP_ADMIN_PREFIX.

    django-csp's decorators change the policy of views we write; the admin's views are Django's,
    so the choice is made here by path.
    """

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if (
            not report_only
            and parts.config is None
            and request.path_info.startswith(settings.CSP_ADMIN_PREFIX)
        ):
            parts.config = settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"]
        return parts
