"""The server log: a refusal is one line; an error keeps its traceback."""

import io
import logging

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseForbidden
from django.test import RequestFactory
from django.utils.log import log_response

from onevisit.core.logging import RefusalWithoutTraceback


def _console_output(act) -> str:
    (handler,) = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RefusalWithoutTraceback) for f in h.filters)
    ]
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        act()
    finally:
        handler.setStream(old)
    return stream.getvalue()


def test_a_refused_request_is_one_line_in_the_log_and_a_failure_keeps_its_traceback():
    """The walk found a full traceback in the server log for every admin page a role may not open."""
    request = RequestFactory().get("/admin/catalog/clause/1/delete/")

    def refuse():
        try:
            raise PermissionDenied
        except PermissionDenied as exc:
            log_response(
                "Forbidden (Permission denied): %s",
                request.path,
                response=HttpResponseForbidden(),
                request=request,
                exception=exc,
            )

    def fail():
        try:
            raise RuntimeError("boom")
        except RuntimeError as exc:
            log_response(
                "Internal Server Error: %s",
                request.path,
                response=HttpResponse(status=500),
                request=request,
                exception=exc,
            )

    refused = _console_output(refuse)
    assert refused.strip() == "Forbidden (Permission denied): /admin/catalog/clause/1/delete/"
    assert "Traceback" in _console_output(fail)
