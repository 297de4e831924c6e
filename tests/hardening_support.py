"""Real sockets standing in for a dependency that is down, hung, or comes and goes; settings
and database connections swapped for the length of a test.

Nothing is mocked: the cache and database clients talk TCP to these, as they would to a dead or
frozen server.
"""

import contextlib
import socket
import threading

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now, for a server a test or benchmark starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_url(url: str, seconds: float = 60) -> None:
    """Return once `url` answers (any status urllib does not raise for); raise after `seconds`."""
    import time
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def redis_url(port: int = REDIS_PORT, db: int = 0) -> str:
    return f"redis://{REDIS_HOST}:{port}/{db}"


def require_redis() -> None:
    """Fail (never skip) with a clear message when the real Redis is not answering."""
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            reply = conn.recv(16)
    except OSError as error:
        raise AssertionError(
            f"These tests need Redis at {REDIS_HOST}:{REDIS_PORT} (as in CI): {error}"
        ) from None
    assert reply.startswith(b"+PONG"), f"Redis at {REDIS_HOST}:{REDIS_PORT} answered {reply!r}"


@contextlib.contextmanager
def refused_port():
    """A port that refuses connections: bound (so nothing else takes it), never listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@contextlib.contextmanager
def silent_server():
    """A server that completes the TCP handshake (the kernel's backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock.getsockname()[1]


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a real server; `stop()` makes the port refuse and drops every
    open connection (a killed server), `start()` brings it back on the same port."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = 0
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self._conns.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=2)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, server]
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for conn in (src, dst):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def base_settings(**env: str):
    """newsroom.settings.base as it reads the environment `env` (reloaded, then restored)."""
    import importlib
    import os

    import newsroom.settings.base as base

    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield importlib.reload(base)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        importlib.reload(base)


@contextlib.contextmanager
def swapped_database(alias: str, **overrides):
    """Point a database alias at another server (one that is down or hung) for the duration of
    the block, then give the real connection back untouched."""
    from django.db import connections
    from django.db.utils import load_backend

    original = connections[alias]
    settings_dict = {**original.settings_dict, **overrides}
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias=alias)
    connections[alias] = wrapper
    try:
        yield wrapper
    finally:
        wrapper.close()
        connections[alias] = original


def default_database(**overrides):
    """`swapped_database` for the default alias."""
    return swapped_database("default", **overrides)


class RedisServer:
    """A throwaway redis-server of this test's own (as drills/outage.py starts one), on a spare
    port: `pause()` (SIGSTOP) makes it hang with every connection open, `resume()` (SIGCONT)
    brings it back. The shared Redis is never paused."""

    def __init__(self, directory: str):
        import shutil
        import subprocess
        import time

        server = shutil.which("redis-server")
        assert server, "These tests need redis-server on PATH (as in CI)."
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                *(server, "--port", str(self.port), "--bind", REDIS_HOST),
                *("--save", "", "--appendonly", "no", "--dir", directory),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection((REDIS_HOST, self.port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    @property
    def url(self) -> str:
        return redis_url(self.port)

    def pause(self) -> None:
        import signal

        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        import signal

        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self.resume()
        self.process.kill()
        self.process.wait()


@contextlib.contextmanager
def redis_server():
    """A `RedisServer` for the length of the block, killed (never left paused) at the end."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="newsroom-redis-") as directory:
        server = RedisServer(directory)
        try:
            yield server
        finally:
            server.stop()
