"""Logging filter that masks resident IDs and mobile numbers in every record before it is written."""

import logging

from onevisit.core.ids import contains_personal_number, redact


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if contains_personal_number(message):
            record.msg, record.args = redact(message), ()
        return True


class RefusalWithoutTraceback(logging.Filter):
    """A refused request (403, 404) is one line in the log, not a traceback: Django logs the PermissionDenied or
    Http404 behind it with its stack, which buried real errors under every admin page a role may not open."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.") and getattr(record, "status_code", None) in (403, 404):
            record.exc_info = record.exc_text = None
        return True
