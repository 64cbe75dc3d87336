from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control

from onevisit.accounts import roles
from onevisit.accounts.services import actor_for
from onevisit.accounts.views import next_page
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


def admin_login(request):
    """/admin/login/, where the admin sends whoever it does not let in. Signed in without the admin's rights: the
    product's plain refusal (Django's own page offered a second sign-in form, in stock wording). Not signed in: the
    product's sign-in, which has the lockout, the second factor and the Chinese messages, then back to the admin."""
    if admin.site.has_permission(request):
        return redirect(next_page(request, reverse("admin:index")))
    if request.user.is_authenticated:
        refused = Forbidden("您的账号没有使用管理后台的权限。如需使用，请联系大厅管理员。")
        return render(request, "error.html", {"error": refused}, status=refused.status)
    return redirect(f"{reverse('login')}?{urlencode({'next': next_page(request, reverse('admin:index'))})}")


@cache_control(max_age=86400, public=True)
def favicon(request):
    """/favicon.ico, which browsers ask for on pages that name no icon (the admin's, a PDF): the product's icon,
    the initial 一 on its red square."""
    return redirect(static(FAVICON))


FAVICON = "onevisit/favicon.svg"
