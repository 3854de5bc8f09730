"""Log lines as JSON, one object a line, for the clinic's log collector.

Each line has the time (UTC), level, logger, the message, and inside a request its id
(the X-Request-ID header the person can quote, the audit rows' request_id), endpoint and
method; never the path, the query, form fields or an exception's text, which may hold
clinical text or personal data. An exception is logged by its type and the frames it
passed through (file, line, function): enough to find the bug, nothing of the data.
Messages themselves are ours, and carry ids and error ids, never content.
"""

import json
import logging
import traceback
from datetime import UTC, datetime

from flask import has_request_context, request

from . import audit


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            line["request_id"] = audit.request_id()
            line["endpoint"] = request.endpoint
            line["method"] = request.method
        if record.exc_info and record.exc_info[0] is not None:
            kind, _error, trace = record.exc_info
            line["error_type"] = kind.__name__
            line["frames"] = [
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(trace)
            ]
        return json.dumps(line, ensure_ascii=False)


def install(level: int = logging.INFO) -> None:
    """JSON lines on standard error for every "retrain" logger."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("retrain")  # the app.logger too (the app is named "retrain")
    logger.handlers = [handler]
    logger.setLevel(level)
    logger.propagate = False
