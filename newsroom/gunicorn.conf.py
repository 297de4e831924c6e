"""gunicorn settings: `gunicorn -c newsroom/gunicorn.conf.py newsroom.wsgi`."""

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
