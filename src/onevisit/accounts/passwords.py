"""The password policy's one rule Django does not ship: characters of several kinds."""

from __future__ import annotations

from django.core.exceptions import ValidationError

KINDS = ("小写字母", "大写字母", "数字", "符号")


def kinds_in(password: str) -> int:
    """How many of lower case, upper case, digits and other characters the password holds."""
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


class CharacterClassValidator:
    """At least `kinds` of: lower-case letters, upper-case letters, digits, symbols (MLPS level 3: 复杂度要求)."""

    def __init__(self, kinds: int = 3):
        self.kinds = kinds

    def validate(self, password: str, user=None) -> None:
        if kinds_in(password) < self.kinds:
            raise ValidationError(
                f"密码须包含{'、'.join(KINDS)}中的至少 {self.kinds} 种。",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return f"密码须包含{'、'.join(KINDS)}中的至少 {self.kinds} 种。"
