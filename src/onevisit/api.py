"""The JSON API: one NinjaAPI, a router per domain, one error shape for every 4xx."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth

from onevisit.accounts.api import router as audit_router
from onevisit.cases.api import router as cases_router
from onevisit.catalog.api import router as catalog_router
from onevisit.core.errors import DomainError
from onevisit.core.schemas import JsonOnlyParser, NotJson
from onevisit.ferry.api import router as ferry_router
from onevisit.intake.api import router as intake_router
from onevisit.metrics.api import router as metrics_router
from onevisit.queueing.api import router as queueing_router

api = NinjaAPI(
    title="onevisit API",
    version="1",
    description="一次办成：导引预审、取号、叫号、受理、办结。所有接口需登录，并按角色与大厅校验权限。",
    auth=django_auth,
    urls_namespace="api",
    parser=JsonOnlyParser(),
    # The API's map (/api/docs, /api/openapi.json) is for staff: an anonymous visitor is sent to log in.
    docs_decorator=login_required,
)
api.add_router("/catalog", catalog_router)
api.add_router("/intake", intake_router)
api.add_router("/queueing", queueing_router)
api.add_router("/cases", cases_router)
api.add_router("/ferry", ferry_router)
api.add_router("/metrics", metrics_router)
api.add_router("/audit", audit_router)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError):
    return api.create_response(request, exc.as_json(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError):
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ())]
        # ("body", <parameter name>, field…) or ("query"|"path", field): keep only the field's own path
        loc = loc[2:] if loc[:1] == ["body"] and len(loc) > 2 else loc[1:]
        message = "不接受未声明的字段" if err.get("type") == "extra_forbidden" else err.get("msg", "invalid")
        errors.append({"field": ".".join(loc) or "body", "message": message})
    detail = "；".join(f"{e['field']}: {e['message']}" for e in errors)
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(request, {"detail": "请先登录", "errors": []}, status=401)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):
    """Ninja's own refusals in the project's shape and in Chinese: a body that is not JSON is a 415."""
    if isinstance(exc.__cause__, NotJson):
        detail = "请求内容须为 JSON（Content-Type: application/json）"
        return api.create_response(
            request, {"detail": detail, "errors": [{"field": "body", "message": detail}]}, status=415
        )
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        detail = "请求内容不是合法的 JSON"
        return api.create_response(
            request, {"detail": detail, "errors": [{"field": "body", "message": detail}]}, status=400
        )
    return api.create_response(request, {"detail": str(exc.message), "errors": []}, status=exc.status_code)
