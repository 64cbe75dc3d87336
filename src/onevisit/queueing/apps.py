from django.apps import AppConfig


class QueueingConfig(AppConfig):
    name = "onevisit.queueing"
    label = "queueing"
    verbose_name = "排队叫号"

    def ready(self):
        from onevisit.catalog import services as catalog
        from onevisit.queueing import views

        catalog.BOOKING_PLACES.append(
            views.booking_places
        )  # the guide's pages link to where a matter is booked
