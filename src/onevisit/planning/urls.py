"""The planning pages' addresses (included by onevisit.urls under its prefix)."""

from django.urls import path

from onevisit.planning.views import plan_file, plan_page

app_name = "planning"

urlpatterns = [path("", plan_page, name="plan"), path("plan.<str:fmt>", plan_file, name="file")]
