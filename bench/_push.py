"""A local receiver for the push benchmarks (bench/webhooks.py, bench/activitypub.py): a
threading HTTP server on 127.0.0.1 that counts the POSTs it takes and answers each at once.

Not a benchmark itself (`make bench` runs bench/[!_]*.py).
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Sink:
    """Started on construction; `base` is its URL, `received` how many POSTs it has taken."""

    def __init__(self, status: int) -> None:
        self.received = 0
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink._lock:
                    sink.received += 1
                self.send_response(status)
                if status != 204:  # a 204 carries no Content-Length (RFC 9110)
                    self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{server.server_port}"
