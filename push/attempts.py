"""What webhook and ActivityPub deliveries share: one no-redirect POST, and how an attempt is
recorded on its row (delivered, or the next try after a doubling backoff, or given up).

Both delivery models (push.models.Delivery, FederationDelivery) carry the same attempt fields.
"""

import datetime
import urllib.error
import urllib.request

from django.conf import settings

from .models import retry_delay

# Retries sooner than this wait on the queue as a countdown; later ones wait in the database for
# the sweep (a broker holds a delayed message unacknowledged, and RabbitMQ drops consumers that
# hold one for long).
COUNTDOWN_MAX_SECONDS = 300

# What an attempt changes on its delivery row.
RECORDED = [
    "status",
    "attempts",
    "last_attempt_at",
    "response_code",
    "last_error",
    "delivered_at",
    "next_attempt_at",
    "enqueued_at",
]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx answer is the receiver's answer, not a place we follow


opener = urllib.request.build_opener(_NoRedirects)


def send(request: urllib.request.Request) -> tuple[int | None, str]:
    """Open `request` without following redirects; (status code or None, error text or "")."""
    try:
        with opener.open(request, timeout=settings.PUSH_TIMEOUT_SECONDS) as response:
            response.read(1024)
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, str(reason)[:300] or error.__class__.__name__


def record(
    delivery, code: int | None, error: str, now: datetime.datetime, *, final: bool = False
) -> float | None:
    """Record one attempt's outcome on `delivery` and save it.

    Returns the seconds until its next try after a failure, None when it was delivered or is
    given up (`final`, or past PUSH_RETRY_FOR_HOURS since it was made).
    """
    status = type(delivery).Status
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code = code
    if code is not None and 200 <= code < 300:
        delivery.status = status.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        delivery.last_error = ""
        delivery.save(update_fields=RECORDED)
        return None
    delivery.last_error = error or f"HTTP {code}"
    give_up_at = delivery.created + datetime.timedelta(hours=settings.PUSH_RETRY_FOR_HOURS)
    delay: float | None = retry_delay(delivery.attempts)
    if final or now >= give_up_at:
        delivery.status = status.FAILED
        delivery.next_attempt_at = None
        delay = None
    else:
        assert delay is not None
        delivery.next_attempt_at = now + datetime.timedelta(seconds=delay)
        delivery.enqueued_at = delivery.next_attempt_at if delay <= COUNTDOWN_MAX_SECONDS else None
    delivery.save(update_fields=RECORDED)
    return delay
