from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control

from onevisit.accounts import roles
from onevisit.accounts.services import actor_for
from onevisit.core.errors import Forbidden


@login_required
def home(request):
    """Send each staff member to the page of their role."""
    try:
        actor = actor_for(request.user)
    except Forbidden as exc:
        if request.user.is_staff:
            return redirect("admin:index")
        return render(request, "error.html", {"error": exc}, status=exc.status)
    for role, target in (
        (roles.CLERK, "cases:window-home"),
        (roles.GUIDE, "intake:guide"),
        (roles.KIOSK, "intake:kiosk"),
        (roles.ANALYST, "metrics:today"),
        (roles.LEGAL, "catalog:review"),
        (roles.OFFICE, "office:work-list"),
        (roles.IT, "ferry:console"),
        (roles.AUDITOR, "audit:access-log"),
    ):
        if role in actor.roles:
            return redirect(target)
    return redirect("intake:guide" if actor.has(roles.GUIDE) else "admin:index")


@cache_control(max_age=86400, public=True)
def favicon(request):
    """/favicon.ico, which browsers ask for on pages that name no icon (the admin's, a PDF): the product's icon,
    the initial 一 on its red square."""
    return redirect(static(FAVICON))


FAVICON = "onevisit/favicon.svg"
