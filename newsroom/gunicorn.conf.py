"""gunicorn settings: `gunicorn -c newsroom/gunicorn.conf.py newsroom.wsgi`."""

import multiprocessing
import os

# Loopback by default: a proxy (nginx, a load balancer) on this host terminates TLS and forwards.
# GUNICORN_BIND=0.0.0.0:8000 exposes gunicorn itself; then set FORWARDED_ALLOW_IPS to the proxy.
bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
max_requests = 1000
max_requests_jitter = 100
accesslog = "-"
errorlog = "-"
# Addresses whose X-Forwarded-Proto/-For gunicorn believes (comma-separated; never "*" unless
# only the proxy can reach gunicorn). gunicorn's Server header is "gunicorn", without a version.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
