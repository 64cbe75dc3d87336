"""The sign-in steps after the password: the one-time code, and enrolling the authenticator app at first use."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, PasswordChangeView
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login

from onevisit.accounts import twofactor
from onevisit.accounts.forms import CodeForm, NextForm
from onevisit.core.links import qr_svg


def next_page(request, default: str | None = None) -> str:
    """Where to go next (`next`, sent or in the address): the page asked for, if it is on this site; else
    `default` (the sign-in's landing page when none is given)."""
    form = NextForm(request.POST if request.method == "POST" else request.GET)
    wanted = form.cleaned_data["next"] if form.is_valid() else ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return default if default is not None else resolve_url(settings.LOGIN_REDIRECT_URL)


def _code(request, device) -> str | None:
    """The error to show for the posted code, or None once it is accepted (and the session verified)."""
    form = CodeForm(request.POST)
    if not form.is_valid():
        return form.invalid().errors["code"]
    accepted, throttled = twofactor.check(device, form.cleaned_data["code"])
    if throttled:
        return "输入错误次数过多，请稍等片刻再试"
    if not accepted:
        return "动态口令不正确或已过期，请查看验证器上的最新口令"
    otp_login(request, device)
    return None


@login_required
def verify(request):
    """第二步：动态口令. A staff member without an enrolled app is sent to enrol one."""
    device = twofactor.confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('otp-enrol')}?{urlencode({'next': next_page(request)})}")
    error = None
    if request.method == "POST":
        error = _code(request, device)
        if error is None:
            return redirect(next_page(request))
    return render(
        request,
        "accounts/otp_verify.html",
        {"error": error, "next": next_page(request)},
        status=422 if error else 200,
    )


@login_required
def enrol(request):
    """First sign-in of a role that needs a second factor: scan the QR (or type the key), then give one code."""
    if twofactor.confirmed_device(request.user) is not None:
        return redirect(f"{reverse('otp-verify')}?{urlencode({'next': next_page(request)})}")
    device = twofactor.pending_device(request.user)
    error = None
    if request.method == "POST":
        error = _code(request, device)
        if error is None:
            return redirect(next_page(request))
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "error": error,
            "next": next_page(request),
            "qr": qr_svg(device.config_url, size=200, title="用验证器扫描此二维码"),
            "secret_groups": twofactor.grouped(twofactor.secret_of(device)),
        },
        status=422 if error else 200,
    )


class PasswordChange(PasswordChangeView):
    """A staff member changes their own password: the password policy applies (AUTH_PASSWORD_VALIDATORS)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        messages.success(self.request, "密码已修改")
        return super().form_valid(form)


class Login(LoginView):
    """工作人员登录: the password form, and the single sign-on button when an identity provider is configured."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc"] = settings.ONEVISIT_OIDC
        context["idle_minutes"] = settings.ONEVISIT_STAFF_IDLE_MINUTES
        return context
