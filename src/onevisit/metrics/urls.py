"""The metrics pages' addresses (included by onevisit.urls under its prefix)."""

from django.urls import path

from onevisit.metrics.views import review_file, review_page, today

app_name = "metrics"

urlpatterns = [
    path("", today, name="today"),
    path("review/", review_page, name="review"),
    path("review.<str:fmt>", review_file, name="review_file"),
]
