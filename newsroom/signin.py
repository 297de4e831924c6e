"""Sign-in throttling with django-axes: two limits, and a 429 page that says when to come back.

Axes counts failures per lockout parameter set (AXES_LOCKOUT_PARAMETERS) but compares them all
with one AXES_FAILURE_LIMIT. We lock one username at one address after AXES_FAILURE_LIMIT
failures and one address across usernames after SIGNIN_IP_FAILURE_LIMIT, so the handler scales
each set's count to the common limit; everything else (storage in the database, cool-off,
unlocking through the admin or `axes_reset`) is Axes' own.
"""

import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def parameter_set_limits() -> list[int]:
    """The failure limit of each entry of AXES_LOCKOUT_PARAMETERS, in order."""
    limits = []
    for parameters in settings.AXES_LOCKOUT_PARAMETERS:
        names = {parameters} if isinstance(parameters, str) else set(parameters)
        ip_only = names == {"ip_address"}
        limits.append(settings.SIGNIN_IP_FAILURE_LIMIT if ip_only else settings.AXES_FAILURE_LIMIT)
    return limits


class SignInAttemptsHandler(AxesDatabaseHandler):
    """Axes' database handler (counts shared by every worker) with a limit per parameter set."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """The highest count, each scaled so that reaching its own limit reaches the common one.

        floor(count × common / own) ≥ common exactly when count ≥ own.
        """
        common = settings.AXES_FAILURE_LIMIT
        attempts_list = self.get_user_attempts(request, credentials)
        scaled = [0]
        for attempts, own in zip(attempts_list, parameter_set_limits(), strict=True):
            count = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            scaled.append(math.floor(count * common / own))
        return max(scaled)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """HTTP 429 in the site's layout, with Retry-After: the cool-off, in seconds."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60)
    response = render(request, "429.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
