"""ASGI entry point; gunicorn serves `newsroom.asgi:application` with production settings
through an ASGI worker (newsroom/gunicorn.conf.py), so the live streams (push/live_views.py)
hold a coroutine each instead of a worker."""

import os

from django.core.asgi import get_asgi_application

from newsroom import process

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.production")
# Before the settings load: web requests get DB_STATEMENT_TIMEOUT_MS (see settings/base.py).
process.role = process.WEB
process.asgi = True

application = get_asgi_application()
