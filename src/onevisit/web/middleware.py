"""Edge checks that apply to every request before any view runs."""

from django.http import HttpResponseBadRequest


class RejectNulBytes:
    """PostgreSQL refuses text with NUL bytes; refuse such a request with a clear 400 instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        parts = [request.path, request.META.get("QUERY_STRING", "")]
        if request.method in ("POST", "PUT", "PATCH"):
            parts.append(request.body.decode("latin-1"))
        if any("\x00" in p or "%00" in p.lower() or "\\u0000" in p for p in parts):
            return HttpResponseBadRequest(
                "请求包含非法字符 (NUL)".encode(), content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)
