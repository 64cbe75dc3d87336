from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from onevisit.accounts import sso
from onevisit.accounts import views as account_views
from onevisit.api import api
from onevisit.web.views import admin_login, favicon, home

admin.site.site_header = "一次办成 · 大厅管理后台"
admin.site.site_title = "一次办成"

urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("login/", account_views.Login.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/otp/", account_views.verify, name="otp-verify"),
    path("login/otp/enrol/", account_views.enrol, name="otp-enrol"),
    path("login/password/", account_views.PasswordChange.as_view(), name="password-change"),
    path("oidc/authenticate/", sso.start, name="oidc_authentication_init"),
    path("oidc/callback/", sso.callback, name="oidc_authentication_callback"),
    path("notice/", include("onevisit.catalog.urls")),
    path("", include("onevisit.queueing.urls")),
    path("", include("onevisit.cases.urls")),  # t/…, window/…, office/…
    path("guide/", include("onevisit.intake.urls")),
    path("ferry/", include("onevisit.ferry.urls")),
    path("metrics/", include("onevisit.metrics.urls")),
    path("planning/", include("onevisit.planning.urls")),
    path("audit/", include("onevisit.accounts.audit_urls")),
    path("api/", api.urls),
    path("admin/login/", admin_login),  # before the admin's own: see web.views.admin_login
    path("admin/", admin.site.urls),
]
