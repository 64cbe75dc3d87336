from django.contrib import admin

from onevisit.queueing.models import Appointment, AppointmentSlot, Queue, Ticket


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "hall", "code"]
    list_filter = ["hall"]
    filter_horizontal = ["matters", "windows"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["number", "service_day", "queue", "matter", "status", "issued_at", "called_window"]
    list_filter = ["hall", "status", "service_day"]
    readonly_fields = [f.name for f in Ticket._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(admin.ModelAdmin):
    list_display = ["queue", "day", "start", "end", "capacity"]
    list_filter = ["queue__hall", "day"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["code", "slot", "matter", "status", "ticket"]
    list_filter = ["status"]
    readonly_fields = ["slot", "matter", "person", "code", "booked_at", "ticket"]

    def has_add_permission(self, request):
        return False
