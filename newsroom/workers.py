"""The ASGI worker gunicorn runs (newsroom/gunicorn.conf.py): uvicorn's, saying less."""

from uvicorn_worker import UvicornWorker  # type: ignore[import-untyped]


class Worker(UvicornWorker):
    """uvicorn's gunicorn worker without a `Server` header (it would name uvicorn) and without
    the lifespan protocol (Django has none: uvicorn would log that at every start)."""

    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "server_header": False, "lifespan": "off"}
