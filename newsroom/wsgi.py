"""WSGI entry point; gunicorn serves `newsroom.wsgi:application` with production settings."""

import os

from django.core.wsgi import get_wsgi_application

from newsroom import process

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings.production")
# Before the settings load: web requests get DB_STATEMENT_TIMEOUT_MS (see settings/base.py).
process.role = process.WEB

application = get_wsgi_application()
