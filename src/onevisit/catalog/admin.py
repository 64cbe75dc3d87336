from django.contrib import admin

from onevisit.catalog.models import Material, Matter


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0


@admin.register(Matter)
class MatterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "department", "time_limit_days"]
    search_fields = ["code", "name"]
    inlines = [MaterialInline]
