"""Page helpers shared by every domain: role checks and turning domain errors into Chinese pages."""

from __future__ import annotations

from datetime import date
from functools import wraps

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from onevisit.accounts.services import require
from onevisit.core.errors import DomainError, Forbidden, Invalid


def staff_page(*wanted_roles: str):
    """Login, then the role and hall check; the view receives the Actor as request.actor."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                request.actor = require(request.user, *wanted_roles)
            except Forbidden as exc:
                return render(request, "error.html", {"error": exc}, status=exc.status)
            try:
                return view(request, *args, **kwargs)
            except DomainError as exc:
                return render(request, "error.html", {"error": exc}, status=exc.status)

        return wrapper

    return decorate


# ---- page inputs: every page reads its query or form through a PageForm ------------------------------------------


class PageForm(forms.Form):
    """A page's inputs, parsed once at the edge. The services keep the business rules; a form only turns the
    strings a browser sends into the types they take, and refuses what cannot be read, naming the field."""

    def invalid(self) -> Invalid:
        """The form's errors as the Invalid the pages already show: each one keyed by its input's name."""
        errors = {name: " ".join(str(m) for m in messages) for name, messages in self.errors.items()}
        return Invalid("；".join(errors.values()), errors=errors)


def parse(form_class: type[PageForm], data, **kwargs) -> dict:
    """The cleaned values of `data` (request.GET or request.POST), or Invalid naming each field in error."""
    form = form_class(data, **kwargs)
    if not form.is_valid():
        raise form.invalid()
    return form.cleaned_data


class Text(forms.CharField):
    """Free text as sent (blank allowed): the service that takes it checks what it must be."""

    def __init__(self, *, strip: bool = False, max_length: int | None = None, **kwargs):
        super().__init__(required=False, strip=strip, max_length=max_length, **kwargs)


class Texts(forms.Field):
    """Every value sent under one name (ticked boxes, repeated inputs), in order."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> list[str]:
        return [str(v) for v in value or ()]


class Flag(forms.Field):
    """A box or button that is on when it sends `on` ("on", "1", "yes" as the template has it); with on=None,
    when the input is there at all."""

    def __init__(self, on: str | None = "on", **kwargs):
        self.on = on
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> bool:
        return value is not None if self.on is None else value == self.on


class Day(forms.Field):
    """A YYYY-MM-DD date; blank is None (or the page's default). Anything else is refused naming the field:
    a date the page cannot read is never silently dropped."""

    def __init__(self, label: str = "日期", *, example: str = "2026-11-02", **kwargs):
        self.example = example
        super().__init__(required=False, label=label, **kwargs)

    def to_python(self, value) -> date | None:
        raw = (value or "").strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise forms.ValidationError(f"{self.label}格式应为 {self.example}：{raw[:20]}") from None


class Integer(forms.Field):
    """A whole number; blank is None. Anything else is refused naming the field."""

    def __init__(self, label: str, **kwargs):
        super().__init__(required=False, label=label, **kwargs)

    def to_python(self, value) -> int | None:
        raw = (value or "").strip()
        if not raw:
            return None
        try:
            return int(raw)
        except ValueError:
            raise forms.ValidationError(f"{self.label}应为整数：{raw[:20]}") from None
