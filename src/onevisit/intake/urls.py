"""The intake pages' addresses (included by onevisit.urls under its prefix)."""

from django.urls import path

from onevisit.intake.views import (
    check_in,
    consultation,
    guide,
    kiosk,
    kiosk_matter,
    kiosk_ticket,
    missing_notice_pdf,
    no_show_return,
    prereview_form,
    prereview_result,
    ticket_pdf,
)

app_name = "intake"

urlpatterns = [
    path("", guide, name="guide"),
    path("matters/<slug:code>/", prereview_form, {"kind": "matter"}, name="prereview-matter"),
    path("bundles/<slug:code>/", prereview_form, {"kind": "bundle"}, name="prereview-bundle"),
    path("prereviews/<int:pk>/", prereview_result, name="prereview"),
    path("prereviews/<int:pk>/notice.pdf", missing_notice_pdf, name="missing-notice"),
    path("tickets/<str:token>.pdf", ticket_pdf, name="ticket-pdf"),
    path("consultations/", consultation, name="consultation"),
    path("check-in/", check_in, name="check-in"),
    path("no-show/", no_show_return, name="no-show-return"),
    path("kiosk/", kiosk, name="kiosk"),
    path("kiosk/matters/<slug:code>/", kiosk_matter, name="kiosk-matter"),
    path("kiosk/tickets/<str:token>/", kiosk_ticket, name="kiosk-ticket"),
]
