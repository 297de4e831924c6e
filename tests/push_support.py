"""Real local HTTP servers (threads) that stand in for webhook subscribers and a WebSub hub."""

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def celery_worker_command(queue: str, *, concurrency: int = 1) -> list[str]:
    """The task-queue worker (`celery -A newsroom worker`) on its own queue, quietly, for the
    tests and benchmarks that start one as a subprocess."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "newsroom",
        "worker",
        "-Q",
        queue,
        f"--concurrency={concurrency}",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=WARNING",
    ]


class Receiver:
    """A subscriber on 127.0.0.1: records every POST, answers with the next scripted status.

    `answers` is consumed one per request ("hang" waits until `release()`, an int is a status,
    "redirect" answers 307 to /elsewhere); when it runs out, `default` answers.
    """

    hang_answer = 200  # what a "hang" answers once released

    def __init__(self, answers=(), default=200, host="127.0.0.1"):
        self.answers = list(answers)
        self.default = default
        self.requests: list[dict] = []
        self.got_request = threading.Event()
        self._release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                receiver.answer_get(self)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                    }
                )
                answer = receiver.answers.pop(0) if receiver.answers else receiver.default
                receiver.got_request.set()
                if answer == "hang":
                    receiver._release.wait(60)
                    answer = receiver.hang_answer
                if answer == "redirect":
                    self.send_response(307)
                    self.send_header("Location", "/elsewhere")
                else:
                    self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://{host}:{self.server.server_port}"
        self.url = f"{self.base}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer_get(self, handler: BaseHTTPRequestHandler) -> None:
        """A subscriber takes no GET (what BaseHTTPRequestHandler answers a method it lacks)."""
        handler.send_error(501, f"Unsupported method ({handler.command!r})")

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def release(self):
        self._release.set()


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"
