from django.contrib import admin

from onevisit.accounts.models import Hall, Staff, Window


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0


@admin.register(Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "timezone"]
    inlines = [WindowInline]


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "hall", "window"]
    list_filter = ["hall"]
    filter_horizontal = ["compare_halls"]
