"""What the sign-in pages read: the one-time code."""

from django import forms

from onevisit.accounts.pages import PageForm, Text


class CodeForm(PageForm):
    code = forms.RegexField(
        r"^\s*\d{6}\s*$",
        label="动态口令",
        error_messages={"required": "请输入动态口令", "invalid": "动态口令应为 6 位数字"},
    )

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip()


class NextForm(PageForm):
    """Where to go after a sign-in step (checked against this site by the view)."""

    next = Text(strip=True)
