"""The data ferry in the admin: its field sets and back ends, to read. They come from field-sets.yaml (`onevisit ferry
load`), so they are changed there and reloaded, never here; a breaker is switched on the ferry console, with a reason
in the audit chain."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from onevisit.accounts.admin import ReadOnly
from onevisit.ferry import rules, services
from onevisit.ferry.models import Backend, FieldSet

LEVELS = {"ok": "通过", "info": "提示", "warn": "警告", "error": "不通过"}


def _fields(codes) -> str:
    return "、".join(rules.LABELS.get(c, c) for c in codes) or "—"


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    """Shown, never written here: back ends and field sets come from field-sets.yaml."""


@admin.register(FieldSet)
class FieldSetAdmin(ReadOnlyAdmin):
    list_display = ["label", "code", "version", "current", "request", "reply", "matter_list"]
    list_filter = ["code"]
    fields = readonly_fields = [
        "label",
        "code",
        "version",
        "current",
        "request",
        "reply",
        "matter_list",
        "check_list",
        "fill_list",
        "carried_by",
        "loaded_at",
        "source",
    ]

    @admin.display(description="现行版本", boolean=True)
    def current(self, obj):
        return obj in services.current_sets()

    @admin.display(description="请求字段（可离开大厅的）")
    def request(self, obj):
        return _fields(obj.request_fields)

    @admin.display(description="答复字段（可带回的）")
    def reply(self, obj):
        return _fields(obj.reply_fields)

    @admin.display(description="适用事项")
    def matter_list(self, obj):
        from onevisit.catalog.services import matter_names

        names = matter_names()
        return "、".join(names.get(c, c) for c in obj.matters) or "—"

    @admin.display(description="交换校验规则")
    def check_list(self, obj):
        lines = [
            f"{rules.LABELS.get(c['field'], c['field'])}：{c.get('message', '')}（{LEVELS.get(c.get('level', 'warn'), '')}）"
            for c in obj.checks
        ]
        return "；".join(lines) or "—"

    @admin.display(description="同时填写的表单字段")
    def fill_list(self, obj):
        return "；".join(f"{rules.LABELS.get(k, k)} → {v}" for k, v in obj.fills.items()) or "—"

    @admin.display(description="可承载的后端系统")
    def carried_by(self, obj):
        return "、".join(b.name for b in Backend.objects.order_by("code") if obj.code in b.field_sets) or "—"

    @admin.display(description="来源")
    def source(self, obj):
        return "field-sets.yaml（以 onevisit ferry load 载入；改动须提升版本号后重新载入）"


@admin.register(Backend)
class BackendAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "style", "address", "allowed", "breaker", "failures", "last_ok_at"]
    list_filter = ["style", "breaker"]
    fields = readonly_fields = [
        "name",
        "code",
        "style",
        "address",
        "allowed",
        "timeout_seconds",
        "breaker",
        "held",
        "failures",
        "opened_at",
        "last_ok_at",
        "last_error",
        "last_error_at",
        "console",
    ]

    @admin.display(description="允许的字段集")
    def allowed(self, obj):
        labels = dict(FieldSet.objects.order_by("code", "version").values_list("code", "label"))
        return "、".join(labels.get(c, c) for c in obj.field_sets) or "—"

    @admin.display(description="熔断与恢复")
    def console(self, obj):
        return format_html(
            '在<a href="{}">数据摆渡页面</a>切换（须说明理由，记入审计链）', reverse("ferry:console")
        )
