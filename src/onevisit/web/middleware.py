"""Edge checks that apply to every request before any view runs."""

from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse

from onevisit.core.errors import Invalid


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


class FormAddressOpened:
    """An address that only takes a form's POST, opened with GET: the browser's reload after a refused form (the
    address bar keeps the POST's address), a bookmark, a typed URL. Django answers an empty 405, which Chromium
    shows as an English error page. Go back to the page the form belongs to — the nearest address above it that
    is one (a form address above answers the same way, one step further up) — or say in Chinese what happened
    when there is none. The API keeps its 405."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code != 405
            or request.method not in ("GET", "HEAD")
            or request.path.startswith("/api/")
        ):
            return response
        path = request.path.rstrip("/")
        while "/" in path.strip("/"):
            path = path.rsplit("/", 1)[0]
            try:
                resolve(path + "/")
            except Resolver404:
                continue
            return redirect(path + "/")
        return render(
            request,
            "error.html",
            {"error": Invalid("这个地址用于提交表单，不能直接打开。请返回上一页重新操作。")},
            status=405,
        )


class FullPageOutsideTheProduct:
    """A boosted link (the product's pages swap in the next page's <body> and keep their own <head>) to a page
    that is not the product's own layout: the admin. Swapped in, it showed with none of its stylesheets or scripts
    until reloaded. Answer a boosted request there with HX-Redirect, which htmx follows as a full page load."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method in ("GET", "HEAD")
            and request.headers.get("HX-Boosted") == "true"
            and request.path.startswith(reverse("admin:index"))
        ):
            return HttpResponse(headers={"HX-Redirect": request.get_full_path()})
        return self.get_response(request)
