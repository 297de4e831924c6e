"""Gzip for the public pages and feeds, and for nothing else (BREACH).

A compressed response leaks, through its length, whether reflected input matches a secret in
the same body (BREACH). Public pages carry no secret: they are the same bytes for every
anonymous reader (the page cache stores them once for all), so they are compressed; every other
response (the desk with its CSRF tokens, a signed-in reader's page, the API) is left as it is.
Django's GZipMiddleware also pads what it compresses with random bytes (Django >= 4.2) and marks
the ETag weak. Brotli is not used: Django has no middleware for it and it was not measured.
"""

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware

PUBLIC_ATTRIBUTE = "public_page"


def mark_public(response: HttpResponse) -> HttpResponse:
    """Mark a response as a public page, the same for every anonymous reader."""
    setattr(response, PUBLIC_ATTRIBUTE, True)
    return response


class PublicGZipMiddleware(GZipMiddleware):
    """GZipMiddleware for responses the page cache marked public; the rest pass untouched."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not getattr(response, PUBLIC_ATTRIBUTE, False):
            return response
        return super().process_response(request, response)
