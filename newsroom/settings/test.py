"""The test suite: fast hashing, an isolated cache, static files from the source tree, and a
second database alias for the read replica's tests."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# A "replica" alias that is the test database itself (a test mirror), so tests/test_replica.py
# can route between two real aliases; the router stays off unless a test turns it on. (It
# replaces a replica that DATABASE_REPLICA_URL in the environment would have configured.)
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
DATABASE_ROUTERS = []
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {
    alias: {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "newsroom-tests",
    }
    for alias in ("default", "counters")
}
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Tasks run inline on commit (no broker unless a test starts one), so tests see their effects.
PUSH_EAGER_IN_BACKGROUND = False
