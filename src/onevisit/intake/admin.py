from django.contrib import admin

from onevisit.intake.models import PreReview


@admin.register(PreReview)
class PreReviewAdmin(admin.ModelAdmin):
    list_display = ["id", "hall", "matter", "verdict", "ticket", "created_at"]
    list_filter = ["hall", "verdict"]
    readonly_fields = [f.name for f in PreReview._meta.fields]
