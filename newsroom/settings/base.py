"""Settings shared by every environment. Defaults here are the safe, production ones."""

from pathlib import Path

import dj_database_url

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "taggit",
    "django_filters",
    "newsroom",
    "events",
    "sources",
    "comments",
    "reading",
    "desk",
    "interchange",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions, CSRF and auth: a cached page costs one cache round trip and nothing else.
    "reading.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.site",
            ],
        },
    },
]

# DATABASE_URL picks the database: postgres://user@host:5432/name, or SQLite when unset.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A shared cache (Redis) makes per-process state such as rate limits hold across gunicorn
# workers; without REDIS_URL each process keeps its own in-memory cache.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "newsroom",
        }
    }

# Shared page cache (reading/pagecache.py): anonymous readers' public pages and feeds from the
# cache, invalidated on every app server by a version bump. Only safe with a cache all servers
# share, so it is on by default exactly when REDIS_URL is set.
PAGE_CACHE = env_bool("PAGE_CACHE", bool(REDIS_URL))
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600)
# A trivial view behind the same middleware, at /bench/ceiling/, for benchmarks only.
BENCH_CEILING_VIEW = env_bool("BENCH_CEILING_VIEW", False)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Tag names compare case-insensitively: "North Korea" and "north korea" are one tag.
TAGGIT_CASE_INSENSITIVE = True

SITE_NAME = env_str("SITE_NAME", "Newsroom")
# Absolute base URL for feeds, sitemaps and canonical links when no request is at hand.
SITE_URL = env_str("SITE_URL", "")

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "newsroom@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
TAGGIT_TAGS_FROM_STRING = "events.tagging.parse_tags"
TAGGIT_STRING_FROM_TAGS = "events.tagging.edit_string_for_tags"

# Reader comments (comments app): moderation queue, bot traps, rate limit, closing.
# At most COMMENTS_RATE_LIMIT comments per COMMENTS_RATE_WINDOW_MINUTES from one IP or one email;
# counted in the cache, so it holds across gunicorn workers when REDIS_URL is set.
COMMENTS_RATE_LIMIT = env_int("COMMENTS_RATE_LIMIT", 5)
COMMENTS_RATE_WINDOW_MINUTES = env_int("COMMENTS_RATE_WINDOW_MINUTES", 10)
# Comments close by themselves this many days after an entry was published; 0 keeps them open.
COMMENTS_CLOSE_AFTER_DAYS = env_int("COMMENTS_CLOSE_AFTER_DAYS", 30)
# A form posted sooner than this after it was rendered is a bot's (silently dropped).
COMMENTS_MIN_SECONDS = env_int("COMMENTS_MIN_SECONDS", 3)
# A form older than this asks the reader to submit again (fresh anti-bot timestamp).
COMMENTS_FORM_MAX_AGE_HOURS = env_int("COMMENTS_FORM_MAX_AGE_HOURS", 24)
COMMENTS_PER_PAGE = 50
# Email the Moderators group about each new pending comment (through EMAIL_BACKEND).
COMMENTS_NOTIFY_MODERATORS = env_bool("COMMENTS_NOTIFY_MODERATORS", False)
# Where the client's IP is read from: REMOTE_ADDR, or e.g. HTTP_X_REAL_IP behind a proxy that
# sets it (never a header the client can forge past your proxy).
COMMENTS_IP_HEADER = env_str("COMMENTS_IP_HEADER", "REMOTE_ADDR")
# Related stories (events/related.py): how long a cached related list may live. It bounds how
# late a scheduled entry shows up in other entries' widgets after its publish time passes.
RELATED_CACHE_SECONDS = env_int("RELATED_CACHE_SECONDS", 300)
