"""Deployment checks of our own, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.caches, deploy=True)
def shared_cache_check(app_configs, **kwargs):
    """Related-stories invalidation and comment rate limits must reach every gunicorn worker."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in PER_PROCESS_CACHES:
        return [
            Warning(
                "The default cache is per process: with several gunicorn workers, a change "
                "clears cached related stories in one worker only, and comment rate limits "
                "count per worker.",
                hint="Set REDIS_URL (or configure another shared cache) in production.",
                id="newsroom.W001",
            )
        ]
    return []
