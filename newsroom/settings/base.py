"""Settings shared by every environment. Defaults here are the safe, production ones."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

from newsroom import process

from .env import env_bool, env_float, env_int, env_list, env_str

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
    "reversion",
    "axes",
    "csp",
    "ninja",
    "newsroom",
    "events",
    "sources",
    "comments",
    "stories",
    "reading",
    "desk",
    "interchange",
    "api",
    "push",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "newsroom.middleware.SitePolicyCSPMiddleware",
    "newsroom.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "newsroom.middleware.OutageMiddleware",
    # Before sessions, CSRF and auth: a cached page costs one cache round trip and nothing else.
    # It also compresses the public pages and feeds, and nothing else (BREACH: no secret beside
    # reflected input), once per stored copy (reading/compression.py).
    "reading.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After auth (it tells anonymous readers apart), before the views: with DATABASE_REPLICA_URL,
    # their GETs read from the replica (newsroom/routers.py).
    "newsroom.routers.PublicReadMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout response.
    "axes.middleware.AxesMiddleware",
]

# AxesBackend first: a locked-out username and address is refused before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
    # The entry-card partials of the public lists (reading/jinja2/, reading/jinja.py): several
    # times faster to render than the same markup in Django's engine, escaped the same way.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        # A template's last newline kept, as Django's engine keeps it: the same bytes.
        "OPTIONS": {"environment": "reading.jinja.environment", "keep_trailing_newline": True},
    },
]

# Seconds to wait for a connection (PostgreSQL's connect_timeout; libpq counts 1 as 2) or, on
# SQLite, for a locked database file.
DB_CONNECT_TIMEOUT = env_int("DB_CONNECT_TIMEOUT", 5)
# PostgreSQL cancels a statement running longer than this: short for web requests (the wsgi
# entry point marks its process as web), none by default for management commands (migrations,
# imports, exports). 0 means no limit.
DB_STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 5000)
DB_COMMAND_STATEMENT_TIMEOUT_MS = env_int("DB_COMMAND_STATEMENT_TIMEOUT_MS", 0)


def _database(url: str) -> dict:
    """One DATABASES entry from a URL, with the persistent connections, health checks and
    connect and statement timeouts above: the primary and the replica are configured alike."""
    database = dj_database_url.parse(
        url,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    options = database.setdefault("OPTIONS", {})
    if database["ENGINE"] == "django.db.backends.postgresql":
        statement_timeout = (
            DB_STATEMENT_TIMEOUT_MS
            if process.role == process.WEB
            else DB_COMMAND_STATEMENT_TIMEOUT_MS
        )
        libpq_options = options.get("options", "")
        options.update(
            connect_timeout=DB_CONNECT_TIMEOUT,
            options=f"{libpq_options} -c statement_timeout={statement_timeout}".strip(),
        )
    elif database["ENGINE"] == "django.db.backends.sqlite3":
        # Writers wait for the lock (the busy timeout) instead of failing with "database is
        # locked". A transaction takes the write lock when it begins (IMMEDIATE): one that read
        # first and wrote later would get SQLITE_BUSY at once, without waiting, whenever
        # another writer held the lock, since SQLite refuses to wait where waiting could deadlock.
        options.setdefault("timeout", DB_CONNECT_TIMEOUT)
        options.setdefault("transaction_mode", "IMMEDIATE")
    return dict(database)


# DATABASE_URL picks the database: postgres://user@host:5432/name, or SQLite when unset.
DATABASES = {
    "default": _database(env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
# An optional read replica of it (newsroom/routers.py): anonymous readers' GETs read there;
# writes, the admin, signed-in users, commands and transactions read the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL:
    # MIRROR: the test run reads the test database through this alias instead of creating one.
    DATABASES["replica"] = {**_database(DATABASE_REPLICA_URL), "TEST": {"MIRROR": "default"}}
    DATABASE_ROUTERS = ["newsroom.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A shared cache (Redis) makes per-process state such as rate limits hold across gunicorn
# workers; without REDIS_URL each process keeps its own in-memory cache.
# Redis down or hung degrades to no cache (newsroom/cache.py): each call waits at most the
# timeouts below, and after a failure Redis is left alone for CACHE_RETRY_SECONDS.
REDIS_URL = env_str("REDIS_URL")
REDIS_CONNECT_TIMEOUT = env_float("REDIS_CONNECT_TIMEOUT", 0.5)
REDIS_SOCKET_TIMEOUT = env_float("REDIS_SOCKET_TIMEOUT", 0.5)
CACHE_RETRY_SECONDS = env_float("CACHE_RETRY_SECONDS", 10)
if REDIS_URL:
    _REDIS = {
        "BACKEND": "newsroom.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "RETRY_SECONDS": CACHE_RETRY_SECONDS,
        "OPTIONS": {
            "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
            "socket_timeout": REDIS_SOCKET_TIMEOUT,
        },
    }
    CACHES = {
        "default": _REDIS,
        # Counters that protect the site (comment rate limits) fail closed: with Redis down a
        # comment post answers 503 "try again in a moment" instead of going unlimited.
        "counters": {**_REDIS, "FAIL_CLOSED": True},
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "newsroom",
        },
        "counters": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "newsroom",
        },
    }

# Shared page cache (reading/pagecache.py): anonymous readers' public pages and feeds from the
# cache, invalidated on every app server by a version bump. Only safe with a cache all servers
# share, so it is on by default exactly when REDIS_URL is set.
PAGE_CACHE = env_bool("PAGE_CACHE", bool(REDIS_URL))
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600)
# Each web process applies the invalidations the cache missed (Redis down or hung during a
# write's bump, or a write from a process without REDIS_URL) at most this often: the longest a
# stale copy is served after both the commit and Redis answering again. One query per interval.
PAGE_INVALIDATION_CHECK_SECONDS = env_float("PAGE_INVALIDATION_CHECK_SECONDS", 5)
# Edge cache (reading/edge.py): what public pages tell shared caches (Cache-Control s-maxage,
# stale-while-revalidate, stale-if-error; browsers always revalidate) and the header naming the
# keys of what each page shows: "xkey" (Varnish), "Surrogate-Key" (Fastly), "Cache-Tag"
# (Cloudflare), or empty for none. Keep EDGE_CACHE_SECONDS short unless EDGE_PURGE is set.
EDGE_CACHE_SECONDS = env_int("EDGE_CACHE_SECONDS", 60)
EDGE_STALE_WHILE_REVALIDATE_SECONDS = env_int("EDGE_STALE_WHILE_REVALIDATE_SECONDS", 30)
EDGE_STALE_IF_ERROR_SECONDS = env_int("EDGE_STALE_IF_ERROR_SECONDS", 86400)
EDGE_KEYS_HEADER = env_str("EDGE_KEYS_HEADER", "xkey")
# How writes purge the edge: "varnish" (PURGE to each of EDGE_PURGE_URLS), "fastly",
# "cloudflare", or empty for no edge cache. A failed purge is retried with the page cache's.
EDGE_PURGE = env_str("EDGE_PURGE", "")
EDGE_PURGE_URLS = env_list("EDGE_PURGE_URLS", [])
FASTLY_API_URL = env_str("FASTLY_API_URL", "https://api.fastly.com")
FASTLY_SERVICE_ID = env_str("FASTLY_SERVICE_ID", "")
FASTLY_API_TOKEN = env_str("FASTLY_API_TOKEN", "")
CLOUDFLARE_API_URL = env_str("CLOUDFLARE_API_URL", "https://api.cloudflare.com/client/v4")
CLOUDFLARE_ZONE_ID = env_str("CLOUDFLARE_ZONE_ID", "")
CLOUDFLARE_API_TOKEN = env_str("CLOUDFLARE_API_TOKEN", "")
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
# One way to read dates and times across the desk ("6 Dec 2026 23:20"): newsroom/formats/en.
FORMAT_MODULE_PATH = ["newsroom.formats"]

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
    # A 403 or 400 a client caused is one line, not a traceback (newsroom/logs.py).
    "filters": {"one_line_client_errors": {"()": "newsroom.logs.OneLineClientErrors"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["one_line_client_errors"]}
    },
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

# Editors are warned (never refused) when a source they cite was published more than this many
# days before or after the entry's event date.
CITATION_DATE_WINDOW_DAYS = env_int("CITATION_DATE_WINDOW_DAYS", 7)
# A form posted sooner than this after it was rendered is a bot's (silently dropped).
COMMENTS_MIN_SECONDS = env_int("COMMENTS_MIN_SECONDS", 3)
# A form older than this asks the reader to submit again (fresh anti-bot timestamp).
COMMENTS_FORM_MAX_AGE_HOURS = env_int("COMMENTS_FORM_MAX_AGE_HOURS", 24)
COMMENTS_PER_PAGE = 50
# Email the Moderators group about each new pending comment (through EMAIL_BACKEND).
COMMENTS_NOTIFY_MODERATORS = env_bool("COMMENTS_NOTIFY_MODERATORS", False)
# The client's address (newsroom/clients.py), for sign-in throttling, comments and the API:
# REMOTE_ADDR, or the header your proxies write (X-Forwarded-For, X-Real-IP; either spelling).
# Proxies append to X-Forwarded-For and the client writes its start, so the address is read
# CLIENT_IP_TRUSTED_PROXIES places from the right: set it to the number of proxies you run in
# front of the app. COMMENTS_IP_HEADER is the older name of CLIENT_IP_HEADER, still read.
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER", env_str("COMMENTS_IP_HEADER", "REMOTE_ADDR"))
CLIENT_IP_TRUSTED_PROXIES = env_int("CLIENT_IP_TRUSTED_PROXIES", 1)
# Related stories (events/related.py): how long a cached related list may live. It bounds how
# late a scheduled entry shows up in other entries' widgets after its publish time passes.
RELATED_CACHE_SECONDS = env_int("RELATED_CACHE_SECONDS", 300)

# A database or cache outage answers 503 with this Retry-After (seconds); see newsroom/outages.py.
OUTAGE_RETRY_AFTER = env_int("OUTAGE_RETRY_AFTER", 30)

# Admin sign-in throttling (django-axes; newsroom/signin.py). Failures are counted in the
# database, shared by every worker and kept across cache restarts. One username from one address
# is refused after AXES_FAILURE_LIMIT failures, one address across usernames after
# SIGNIN_IP_FAILURE_LIMIT, for SIGNIN_LOCKOUT_MINUTES counted from the last failure; refused
# attempts do not extend it. Unlock: the admin's "Access attempts" page or `manage.py axes_reset`.
AXES_HANDLER = "newsroom.signin.SignInAttemptsHandler"
AXES_FAILURE_LIMIT = env_int("SIGNIN_FAILURE_LIMIT", 5)
SIGNIN_IP_FAILURE_LIMIT = env_int("SIGNIN_IP_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SIGNIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "newsroom.signin.lockout_response"
# The one client address (newsroom/clients.py), as comments and the API read it.
AXES_CLIENT_IP_CALLABLE = "newsroom.clients.client_address"
# No start-up banner on every management command; lockouts are still logged.
AXES_VERBOSE = False

# Content-Security-Policy (django-csp). Public pages: no inline script or style anywhere, nothing
# from other origins. JSON-LD (<script type="application/ld+json">) is data a browser never runs,
# so script-src does not apply to it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# The admin's own templates have no inline script; style attributes are allowed there (our
# pending-comments badge and widget libraries use them), images may be data: URIs.
CSP_ADMIN_PREFIX = "/admin/"
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
    },
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
# The read API (api app, /api/v1/). Anonymous reads may be cached by browsers and proxies for
# API_CACHE_SECONDS; each address may make API_RATE_LIMIT requests per API_RATE_WINDOW_SECONDS
# (counted in the cache: set REDIS_URL so it holds across workers; 0 turns it off). The changes
# feed serves a change once it is API_CHANGES_SETTLE_SECONDS old, longer than any transaction
# that records one takes to commit, so no change lands behind a cursor already handed out.
API_CACHE_SECONDS = env_int("API_CACHE_SECONDS", 60)
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 120)
API_RATE_WINDOW_SECONDS = env_int("API_RATE_WINDOW_SECONDS", 60)
API_CHANGES_SETTLE_SECONDS = env_int("API_CHANGES_SETTLE_SECONDS", 30)

# Live updates (push/live.py): Server-Sent Events at /live/ and /stories/<slug>/live/, served
# only by an ASGI worker (newsroom/asgi.py). Each process reads the change log every
# LIVE_POLL_SECONDS while a stream is open; a stream sends a heartbeat comment every
# LIVE_HEARTBEAT_SECONDS, ends after LIVE_IDLE_SECONDS without an update, and a process holds at
# most LIVE_MAX_STREAMS (then 503 with Retry-After). Browsers retry after LIVE_RETRY_SECONDS.
LIVE_POLL_SECONDS = env_float("LIVE_POLL_SECONDS", 1.0)
LIVE_HEARTBEAT_SECONDS = env_float("LIVE_HEARTBEAT_SECONDS", 15.0)
LIVE_IDLE_SECONDS = env_float("LIVE_IDLE_SECONDS", 600.0)
LIVE_MAX_STREAMS = env_int("LIVE_MAX_STREAMS", 5000)
LIVE_RETRY_SECONDS = env_int("LIVE_RETRY_SECONDS", 5)
# Under the ASGI worker every page but the streams runs on one of this many threads per worker
# process, as a WSGI worker's threads would (newsroom/asgi.py).
ASGI_THREADS = env_int("ASGI_THREADS", 2)

# The task queue (Celery, newsroom/celery.py). BROKER_URL picks the broker, e.g.
# amqp://guest:guest@127.0.0.1:5672// (RabbitMQ) or redis://127.0.0.1:6379/5; `make worker` runs
# the tasks. Without it tasks run in the process that enqueues them, after commit, on a
# background thread (push/queue.py), so `make run` needs neither broker nor worker.
BROKER_URL = env_str("BROKER_URL")
CELERY_BROKER_URL = BROKER_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not BROKER_URL
CELERY_TASK_IGNORE_RESULT = True
# At least once: a message is acknowledged only after its task ran, and one whose worker died
# mid-task (killed, out of memory) goes back to the queue for another worker.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "newsroom"
# Enqueueing happens after the editor's commit; a broker that is down costs a few seconds at
# most, and the row it was for stays due, so the sweep enqueues it again (push/tasks.py).
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("BROKER_CONNECT_TIMEOUT", 2)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "push-sweep": {"task": "push.tasks.sweep", "schedule": env_float("PUSH_SWEEP_SECONDS", 30)},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Webhooks (push app). A delivery that fails is tried again after PUSH_RETRY_FIRST_SECONDS,
# then twice as long each time up to PUSH_RETRY_MAX_SECONDS apart, until PUSH_RETRY_FOR_HOURS
# have passed since the change; an endpoint whose last PUSH_PAUSE_AFTER_FAILURES attempts all
# failed is paused (its deliveries wait) until an editor resumes it. Each request waits at most
# PUSH_TIMEOUT_SECONDS; redirects are not followed (a 3xx is a failure).
PUSH_RETRY_FIRST_SECONDS = env_float("PUSH_RETRY_FIRST_SECONDS", 5)
PUSH_RETRY_MAX_SECONDS = env_float("PUSH_RETRY_MAX_SECONDS", 3600)
PUSH_RETRY_FOR_HOURS = env_float("PUSH_RETRY_FOR_HOURS", 25)
PUSH_PAUSE_AFTER_FAILURES = env_int("PUSH_PAUSE_AFTER_FAILURES", 30)
PUSH_TIMEOUT_SECONDS = env_float("PUSH_TIMEOUT_SECONDS", 10)
# A delivery handed to the broker that has not run this long after it was due is enqueued again
# by the sweep (its message was lost: broker restarted, enqueue failed).
PUSH_REQUEUE_AFTER_SECONDS = env_float("PUSH_REQUEUE_AFTER_SECONDS", 120)
# Without a broker, tasks run on a background thread of the process that enqueued them (so a
# hanging subscriber never holds an editor's response); the test suite runs them inline.
PUSH_EAGER_IN_BACKGROUND = env_bool("PUSH_EAGER_IN_BACKGROUND", True)
# WebSub: the hub every feed names (rel="hub") and that is pinged when entries are published,
# corrected or withdrawn; empty for none.
WEBSUB_HUB_URL = env_str("WEBSUB_HUB_URL")
# ActivityPub (push/activitypub/): the newsroom's account name (acct:<name>@<SITE_URL's host>),
# domains whose servers may neither follow nor receive (subdomains included), and how far a
# signed request's Date may be from our clock (inbox replays outside it are refused).
ACTIVITYPUB_USERNAME = env_str("ACTIVITYPUB_USERNAME", "newsroom")
ACTIVITYPUB_BLOCKED_DOMAINS = env_list("ACTIVITYPUB_BLOCKED_DOMAINS", [])
ACTIVITYPUB_SIGNATURE_WINDOW_SECONDS = env_float("ACTIVITYPUB_SIGNATURE_WINDOW_SECONDS", 300)
