"""Queues, tickets and appointments of the staff member's own hall; slots come from weekly templates."""

from datetime import timedelta

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse

from onevisit.accounts.admin import HallScoped, ReadOnly
from onevisit.core import clock
from onevisit.core.errors import DomainError
from onevisit.queueing import services
from onevisit.queueing.models import Appointment, AppointmentSlot, Queue, SlotTemplate, Ticket


class QueueForm(forms.ModelForm):
    class Meta:
        model = Queue
        fields = "__all__"

    def clean(self):
        data = super().clean()
        hall, windows = data.get("hall"), data.get("windows")
        if hall is not None and windows is not None:
            elsewhere = [w.name for w in windows if w.hall_id != hall.pk]
            if elsewhere:
                self.add_error("windows", f"{'、'.join(elsewhere)}不在{hall}，队列只能由本大厅的窗口服务")
        return data


@admin.register(Queue)
class QueueAdmin(HallScoped, admin.ModelAdmin):
    form = QueueForm
    list_display = ["prefix", "name", "hall", "code"]
    list_filter = [("hall", admin.RelatedOnlyFieldListFilter)]
    filter_horizontal = ["matters", "windows"]


INTERNAL = {"idempotency_key", "idempotency_fingerprint", "token"}


@admin.register(Ticket)
class TicketAdmin(HallScoped, ReadOnly, admin.ModelAdmin):
    """A visit's record, shown: it changes only through the queue's services, which record each step as an event."""

    list_display = ["number", "service_day", "queue", "matter", "status", "issued_at", "called_window"]
    list_filter = [("hall", admin.RelatedOnlyFieldListFilter), "status", "service_day"]
    # Not the machinery: the request's key and fingerprint (repeat protection) and the barcode's token (it opens
    # the ticket's status page; shown, it could be printed again).
    exclude = sorted(INTERNAL)
    readonly_fields = [f.name for f in Ticket._meta.fields if f.name not in INTERNAL]


class GenerateForm(forms.Form):
    first = forms.DateField(
        label="开始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    last = forms.DateField(
        label="结束日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


@admin.register(SlotTemplate)
class SlotTemplateAdmin(HallScoped, admin.ModelAdmin):
    """The hall's week of appointment slots; the action turns it into slots for a date range."""

    hall_path = "queue__hall"
    list_display = ["queue", "weekday", "start", "end", "minutes", "capacity"]
    list_filter = ["weekday", ("queue", admin.RelatedOnlyFieldListFilter)]
    actions = ["generate"]

    @admin.action(description="按所选模板生成预约时段（跳过节假日和午休）")
    def generate(self, request, queryset):
        today = clock.local_date()
        form = GenerateForm(
            request.POST if "apply" in request.POST else None,
            initial={"first": today, "last": today + timedelta(days=27)},
        )
        if form.is_bound and form.is_valid():
            queues = sorted({t.queue for t in queryset.select_related("queue__hall")}, key=lambda q: q.pk)
            for hall in {q.hall for q in queues}:
                try:
                    created = services.generate_slots(
                        hall=hall,
                        first=form.cleaned_data["first"],
                        last=form.cleaned_data["last"],
                        queues=[q for q in queues if q.hall_id == hall.pk],
                        actor=request.user,
                    )
                except DomainError as exc:
                    field = next((f for f in exc.errors if f in form.fields), None)
                    form.add_error(field, exc.message)
                    break
                self.message_user(request, f"{hall}：新生成 {created} 个预约时段（已有的时段和预约保持不变）")
            else:
                return None
        return TemplateResponse(
            request,
            "admin/queueing/slottemplate/generate.html",
            {
                **self.admin_site.each_context(request),
                "title": "生成预约时段",
                "opts": self.model._meta,
                "templates": queryset,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
            status=422 if form.is_bound else 200,
        )


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(HallScoped, admin.ModelAdmin):
    """Single slots can still be changed here (a capacity for one day); the week is set in 预约时段模板."""

    hall_path = "queue__hall"
    list_display = ["queue", "day", "start", "end", "capacity"]
    list_filter = [("queue", admin.RelatedOnlyFieldListFilter), "day"]
    date_hierarchy = "day"


@admin.register(Appointment)
class AppointmentAdmin(HallScoped, ReadOnly, admin.ModelAdmin):
    """A citizen's booking, shown: booked, checked in and missed through the booking services only."""

    hall_path = "slot__queue__hall"
    list_display = ["code", "slot", "matter", "status", "ticket"]
    list_filter = ["status"]
    readonly_fields = ["slot", "matter", "person", "code", "booked_at", "ticket"]
