"""gunicorn settings: `gunicorn -c newsroom/gunicorn.conf.py newsroom.asgi`.

Workers are ASGI (uvicorn's, newsroom/workers.py): a page is served as before, and an open live
stream (push/live_views.py) is a coroutine, not a worker. GUNICORN_WORKER_CLASS=sync with
`newsroom.wsgi` serves the pages without live updates (the streams answer 204).
"""

import os


def usable_cpus() -> int:
    """The CPUs this process may run on (cgroup/affinity), not the host's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# Loopback by default: a proxy (nginx, a load balancer) on this host terminates TLS and forwards.
# GUNICORN_BIND=0.0.0.0:8000 exposes gunicorn itself; then set FORWARDED_ALLOW_IPS to the proxy.
bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", usable_cpus() * 2 + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "newsroom.workers.Worker")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Workers are recycled only when asked (e.g. GUNICORN_MAX_REQUESTS=1000 to contain a leak):
# recycling costs a fork, a fresh import and cold caches, and halved the ceiling when it was on.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", str(max_requests // 10)))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
# Addresses whose X-Forwarded-Proto/-For gunicorn believes (comma-separated; never "*" unless
# only the proxy can reach gunicorn). gunicorn's Server header is "gunicorn", without a version.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server) -> None:
    """Refuse a WSGI application under an ASGI worker (or the reverse) with a clear message,
    rather than answering every request with an error."""
    app = getattr(server.app, "app_uri", None) or ""
    chosen = server.cfg.worker_class_str  # this file's default, or --worker-class
    asgi_worker = chosen not in ("sync", "gthread", "eventlet", "gevent", "tornado")
    if app.startswith("newsroom.wsgi") and asgi_worker:
        raise SystemExit(
            f"{chosen} is an ASGI worker: serve newsroom.asgi, or set "
            "GUNICORN_WORKER_CLASS=sync to serve newsroom.wsgi (pages only, no live streams)."
        )
    if app.startswith("newsroom.asgi") and not asgi_worker:
        raise SystemExit(f"{chosen} is a WSGI worker: serve newsroom.wsgi.")
