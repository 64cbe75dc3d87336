"""Catalog admin for the IT centre and the legal section: drafts are edited here, published versions never."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, When
from django.template.response import TemplateResponse

from onevisit.accounts.pages import parse
from onevisit.accounts.services import display_name
from onevisit.catalog import services
from onevisit.catalog.forms import RejectActionForm
from onevisit.catalog.models import (
    CHANNELS,
    Bundle,
    BundleMatter,
    ChecklistCheck,
    ChecklistVersion,
    Clause,
    FieldDefinition,
    Material,
    Matter,
    MatterField,
)
from onevisit.core.errors import DomainError


@admin.register(Clause)
class ClauseAdmin(admin.ModelAdmin):
    """A clause version that a material cites is fixed: a new text is a new version (a new row)."""

    list_display = ["code", "version", "title"]
    search_fields = ["code", "title"]
    list_filter = ["version"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.materials.exists():
            return ["code", "version", "title", "text"]
        return []

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or not obj.materials.exists())


@admin.register(FieldDefinition)
class FieldDefinitionAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "type", "sensitivity", "core"]
    list_filter = ["type", "sensitivity", "core"]
    search_fields = ["code", "label", "synonyms"]


class MatterFieldInline(admin.TabularInline):
    model = MatterField
    extra = 0
    autocomplete_fields = ["field"]


class MatterForm(forms.ModelForm):
    """Channels are ticked, not typed as a JSON list of codes."""

    channels = forms.TypedMultipleChoiceField(
        label="办理渠道", choices=list(CHANNELS.items()), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Matter
        fields = "__all__"


@admin.register(Matter)
class MatterAdmin(admin.ModelAdmin):
    form = MatterForm
    list_display = ["code", "name", "department", "level", "time_limit"]
    list_select_related = ["department"]

    @admin.display(description="承诺时限", ordering="time_limit_days")
    def time_limit(self, obj):
        return f"{obj.time_limit_days} 个工作日" if obj.time_limit_days else "即办"

    list_filter = ["level", "department"]
    search_fields = ["code", "name"]
    inlines = [MatterFieldInline]
    actions = ["open_draft"]

    @admin.action(description="新建材料清单草稿（从现行版本复制）")
    def open_draft(self, request, queryset):
        for matter in queryset:
            try:
                draft = services.open_draft(matter=matter, user=request.user)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, f"{matter.name}：草稿 第{draft.number}版 可编辑")


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = [
        "position",
        "code",
        "name",
        "original_required",
        "electronic_accepted",
        "stamp_unit",
        "copies",
        "tolerable",
        "due_working_days",
        "shared",
        "exempt_if",
        "clause",
        "note",
    ]
    autocomplete_fields = ["clause"]

    def _editable(self, obj) -> bool:
        return obj is not None and obj.editable

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(admin.ModelAdmin):
    list_display = ["matter", "number", "status", "review_note", "ends_on", "published_at"]
    list_filter = ["status", "source", "temporary"]
    search_fields = ["matter__name", "matter__code", "filing_number"]
    inlines = [MaterialInline]
    actions = ["submit_for_review", "approve_and_publish", "reject"]
    readonly_fields = [
        "matter",
        "number",
        "status",
        "review_note",
        "source",
        "content_hash",
        "drafters",
        "created_at",
        "submitted_by",
        "submitted_at",
        "published_by",
        "published_at",
        "superseded_at",
        "temporary",
        "ends_on",
        "filing_number",
        "reason",
        "changes",
    ]
    fields = (
        readonly_fields  # nothing of the version itself is typed here: its materials are, while it is a draft
    )

    def has_add_permission(self, request):
        return False  # drafts start from a matter (action “新建材料清单草稿”)

    def get_ordering(self, request):
        """Work first: versions returned, drafted or waiting for review, then the published history."""
        Status = ChecklistVersion.Status
        waiting = Case(When(status__in=[Status.REJECTED, Status.DRAFT, Status.SUBMITTED], then=0), default=1)
        return [waiting.asc(), "matter__code", "-number"]

    def has_delete_permission(self, request, obj=None):
        # only drafts, by those who may delete versions; published history is kept
        return obj is not None and obj.editable and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not obj.editable:
            raise PermissionDenied("已发布或已提交的版本不能修改")
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if any(fs.has_changed() for fs in formsets):
            services.note_edit(version=form.instance, user=request.user)  # an editor may not publish it

    @admin.display(description="法制审核意见")
    def review_note(self, obj):
        if obj.rejection_reason and obj.status == ChecklistVersion.Status.REJECTED:
            when = f"{obj.rejected_at:%Y-%m-%d}" if obj.rejected_at else ""
            return f"退回修改（{display_name(obj.rejected_by)} {when}）：{obj.rejection_reason}"
        return "—"

    @admin.display(description="起草人")
    def drafters(self, obj):
        return "、".join(display_name(u) for u in obj.authors.all()) or "—"

    @admin.display(description="与上一版本相比")
    def changes(self, obj):
        previous = obj.matter.checklists.filter(number__lt=obj.number).order_by("-number").first()
        if previous is None:
            return "首个版本"
        return "；".join(c.sentence for c in services.diff(previous, obj)) or "无变化"

    @admin.action(description="提交法制审核")
    def submit_for_review(self, request, queryset):
        for version in queryset:
            try:
                services.submit(version=version, user=request.user)
            except DomainError as exc:
                self.message_user(request, f"{version}：{exc.message}", messages.ERROR)
            else:
                self.message_user(
                    request, f"{version.matter.name} 第{version.number}版已提交，等待法制科发布"
                )

    @admin.action(description="审核通过并发布（仅法制审核角色，且不能是起草人）")
    def approve_and_publish(self, request, queryset):
        for version in queryset:
            try:
                services.publish(version=version, user=request.user)
            except DomainError as exc:
                self.message_user(request, f"{version}：{exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{version.matter.name} 第{version.number}版已发布")

    @admin.action(description="退回修改（须填写理由）")
    def reject(self, request, queryset):
        """Asks for the reason on a page of its own, then returns each selected version with it."""
        sent = parse(RejectActionForm, request.POST)
        reason = sent["rejection_reason"]
        if sent["apply"] and reason.strip():
            for version in queryset:
                try:
                    services.reject(version=version, user=request.user, reason=reason)
                except DomainError as exc:
                    self.message_user(request, f"{version}：{exc.message}", messages.ERROR)
                else:
                    self.message_user(request, f"{version.matter.name} 第{version.number}版已退回修改")
            return None
        error = "退回须说明理由" if sent["apply"] else ""
        return TemplateResponse(
            request,
            "admin/catalog/checklistversion/reject.html",
            {
                **self.admin_site.each_context(request),
                "title": "退回修改",
                "opts": self.model._meta,
                "versions": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "reason": reason,
                "error": error,
            },
            status=422 if error else 200,
        )


@admin.register(ChecklistCheck)
class ChecklistCheckAdmin(admin.ModelAdmin):
    list_display = ["month", "matter", "result", "checked_by", "checked_at"]
    list_filter = ["month", "result"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class BundleMatterInline(admin.TabularInline):
    model = BundleMatter
    extra = 0


@admin.register(Bundle)
class BundleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "key_matter"]
    search_fields = ["code", "name"]
    inlines = [BundleMatterInline]
    readonly_fields = ["spec"]
