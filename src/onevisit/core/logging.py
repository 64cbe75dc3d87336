"""Logging filter that masks resident IDs and mobile numbers in every record before it is written."""

import logging

from onevisit.core.ids import contains_personal_number, redact


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if contains_personal_number(message):
            record.msg, record.args = redact(message), ()
        return True
