from django.shortcuts import redirect, render
from django.urls import path

from onevisit.accounts import roles
from onevisit.accounts.pages import staff_page
from onevisit.catalog import services as catalog
from onevisit.core.errors import Invalid
from onevisit.intake import services
from onevisit.intake.models import PreReview
from onevisit.queueing import services as queueing

app_name = "intake"


@staff_page(roles.GUIDE)
def guide(request):
    return render(request, "intake/guide.html", {"matters": queueing.served_matters(request.actor.hall)})


@staff_page(roles.GUIDE)
def prereview_form(request, code: str):
    matter = catalog.get_matter(code)
    context = {"matter": matter, "materials": catalog.materials_of(matter), "values": {}, "errors": {}}
    if request.method == "POST":
        present = request.POST.getlist("materials")
        values = {k: request.POST.get(k, "") for k in ("name", "resident_id", "phone")}
        try:
            prereview = services.submit_prereview(
                actor=request.actor, matter_code=code, present=present, **values
            )
        except Invalid as exc:
            context.update(values=values, present=set(present), errors=exc.errors, error=exc.message)
            return render(request, "intake/prereview_form.html", context, status=422)
        return redirect("intake:prereview", pk=prereview.pk)
    return render(request, "intake/prereview_form.html", context)


@staff_page(roles.GUIDE)
def prereview_result(request, pk: int):
    prereview = (
        PreReview.objects.select_related("matter", "person", "ticket__queue")
        .filter(pk=pk, hall=request.actor.hall)
        .first()
    )
    if prereview is None:
        return render(request, "error.html", {"error": Invalid("本大厅没有该预审记录")}, status=404)
    ticket = prereview.ticket
    return render(
        request,
        "intake/prereview_result.html",
        {
            "prereview": prereview,
            "missing": services.missing_materials(prereview),
            "ticket": ticket,
            "waiting_ahead": queueing.waiting_ahead(ticket)
            if ticket and ticket.status == "waiting"
            else None,
        },
    )


urlpatterns = [
    path("", guide, name="guide"),
    path("matters/<slug:code>/", prereview_form, name="prereview-form"),
    path("prereviews/<int:pk>/", prereview_result, name="prereview"),
]
