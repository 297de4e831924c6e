# The Celery app loads with Django, so tasks enqueued from web processes and commands use it.
from .celery import app as celery_app

__all__ = ["celery_app"]
