"""The ASGI worker gunicorn runs (newsroom/gunicorn.conf.py): uvicorn's, saying less, and
ending the live streams when it shuts down."""

import sys

from gunicorn.arbiter import Arbiter  # type: ignore[import-untyped]
from uvicorn import Server
from uvicorn_worker import UvicornWorker  # type: ignore[import-untyped]


class StreamEndingServer(Server):
    """uvicorn's server, which first ends the open live streams when it shuts down: a stream
    never finishes by itself, so a restart would otherwise wait gunicorn's graceful_timeout
    for each worker and then kill it. Readers reconnect (to another server) and replay."""

    async def shutdown(self, sockets=None) -> None:
        from push.live import end_streams

        end_streams()
        await super().shutdown(sockets=sockets)


class Worker(UvicornWorker):
    """uvicorn's gunicorn worker without a `Server` header (it would name uvicorn), without the
    lifespan protocol (Django has none: uvicorn would log that at every start), and with the
    server above."""

    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "server_header": False, "lifespan": "off"}

    async def _serve(self) -> None:
        # UvicornWorker._serve, with StreamEndingServer for uvicorn's Server.
        self.config.app = self.wsgi
        server = StreamEndingServer(config=self.config)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
