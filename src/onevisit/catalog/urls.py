"""The catalog pages' addresses (included by onevisit.urls under its prefix)."""

from django.urls import path

from onevisit.catalog.views import (
    cards_pdf,
    index,
    notice_page,
    notice_pdf,
    publish,
    record_check,
    reject,
    review,
    versions,
)

app_name = "catalog"

urlpatterns = [
    path("", index, name="index"),
    path("bundles/<slug:code>/", notice_page, {"kind": "bundle"}, name="bundle"),
    path("matters/<slug:code>/", notice_page, {"kind": "matter"}, name="matter"),
    path("bundles/<slug:code>/notice.pdf", notice_pdf, {"kind": "bundle"}, name="bundle-pdf"),
    path("matters/<slug:code>/notice.pdf", notice_pdf, {"kind": "matter"}, name="matter-pdf"),
    path("cards.pdf", cards_pdf, name="cards"),
    path("review/", review, name="review"),
    path("review/versions/<int:pk>/publish/", publish, name="publish"),
    path("review/versions/<int:pk>/reject/", reject, name="reject"),
    path("review/matters/<slug:code>/check/", record_check, name="check"),
    path("review/matters/<slug:code>/versions/", versions, name="versions"),
]
