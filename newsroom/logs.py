"""Log filters used by LOGGING (newsroom/settings/base.py)."""

import logging


class OneLineClientErrors(logging.Filter):
    """A refused request (a 4xx) is logged on one line, without its traceback.

    Django logs every 403 (PermissionDenied, on `django.request`) and every bad or suspicious
    request (400, on `django.request` and `django.security.*`) with the exception attached. A
    client causes those at will, and a traceback for each buries the log; the line keeps the
    message, the status and the exception's class and text. Server errors (5xx) keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.exc_info and isinstance(status, int) and status < 500:
            error = record.exc_info[1]
            message = record.getMessage()
            if error is not None:
                detail = " ".join(str(error).split())
                message = f"{message} [{status} {type(error).__name__}"
                message += f": {detail}]" if detail and detail not in message else "]"
            record.msg, record.args = " ".join(message.split()), ()
            record.exc_info, record.exc_text = None, None
        return True
