from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from onevisit.api import api
from onevisit.web.views import home

admin.site.site_header = "一次办成 · 大厅管理后台"
admin.site.site_title = "一次办成"

urlpatterns = [
    path("", home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("notice/", include("onevisit.catalog.views")),
    path("", include("onevisit.queueing.views")),
    path("", include("onevisit.cases.public")),
    path("guide/", include("onevisit.intake.views")),
    path("window/", include("onevisit.cases.views")),
    path("office/", include("onevisit.cases.office")),
    path("ferry/", include("onevisit.ferry.views")),
    path("metrics/", include("onevisit.metrics.views")),
    path("planning/", include("onevisit.planning.views")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
