"""The audit administrator's pages (included under /audit/)."""

from django.urls import path

from onevisit.accounts.audit import access_log

app_name = "audit"
urlpatterns = [path("access/", access_log, name="access-log")]
