"""/readyz under a load balancer's parallel probes, with the real Redis: never a false 503."""

import threading
import uuid

import pytest
from django.db import connections
from django.test import Client

from tests.hardening_support import redis_url, require_redis

PROBES_PER_THREAD = 25
THREADS = 16


@pytest.mark.django_db(transaction=True)
def test_parallel_readyz_probes_with_redis_all_answer_200(settings):
    require_redis()
    redis = {
        "BACKEND": "newsroom.cache.ResilientRedisCache",
        "LOCATION": redis_url(),
        "KEY_PREFIX": f"test-readyz-{uuid.uuid4().hex}",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
    settings.CACHES = {"default": redis, "counters": {**redis, "FAIL_CLOSED": True}}
    start = threading.Barrier(THREADS)
    answers: list[tuple[int, dict]] = []

    def probe() -> None:
        client = Client()
        start.wait()
        try:
            for _ in range(PROBES_PER_THREAD):
                response = client.get("/readyz")
                answers.append((response.status_code, response.json()["checks"]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=probe) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == THREADS * PROBES_PER_THREAD
    failed = [answer for answer in answers if answer[0] != 200]
    assert failed == [], f"{len(failed)} of {len(answers)} probes failed: {failed[:3]}"
