"""The ferry pages' addresses (included by onevisit.urls under its prefix)."""

from django.urls import path

from onevisit.ferry.views import breaker, case_panel, console, manual_entry, verify

app_name = "ferry"

urlpatterns = [
    path("", console, name="console"),
    path("breaker/<slug:backend>/", breaker, name="breaker"),
    path("audit/verify/", verify, name="verify"),
    path("window/<slug:code>/case/<int:case_id>/panel/", case_panel, name="panel"),
    path("window/<slug:code>/case/<int:case_id>/manual/<slug:field_set>/", manual_entry, name="manual"),
]
