"""The task queue (Celery): configured from Django's settings, tasks found in each app's tasks.py.

`BROKER_URL` is the one setting: with it, `make worker` runs the tasks; without it, tasks run
in the process that enqueues them (see push/queue.py), so `make run` needs no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.dev")

app = Celery("newsroom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
