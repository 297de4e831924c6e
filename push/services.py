"""Adding an endpoint from a command or code, validated as the admin's form validates it."""

from .models import Endpoint, new_secret


def add_endpoint(url: str, *, secret: str | None = None, events=None, description="") -> Endpoint:
    """A new endpoint, validated as the admin validates it (ValidationError when refused)."""
    endpoint = Endpoint(
        url=url,
        secret=secret or new_secret(),
        events=sorted(set(events or [])),
        description=description,
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint
