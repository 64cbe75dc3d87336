"""The one check every free-text field a staff member or citizen types goes through (notes, reasons, questions,
answers): whitespace collapsed, length held, resident IDs and mobile numbers refused or masked.

Refuse where the writer can simply leave the number out (an outlier note, a verification question, a
consultation note, a not-applicable reason, a checklist's rejection reason): a 422 naming the field, nothing
written. Mask where the text must be kept whole because someone acts on it (a return's reasons, a verification
answer): the number is kept masked (`1101**********002X`, `138****8000`). Detection folds spaces, dashes and
full-width digits first (core.ids), so `1380 0138 000` and `１３８-0013-8000` are the numbers they are.
"""

from __future__ import annotations

from onevisit.core.errors import Invalid
from onevisit.core.ids import contains_personal_number, redact


def free_text(
    value: str | None,
    *,
    field: str,
    label: str,
    max_length: int,
    required: str = "",
    mask: bool = False,
    lines: bool = False,
    refusal: str = "",
) -> str:
    """The cleaned text, or Invalid naming `field`. `required` is the message for an empty text (empty allowed
    when it is blank); `mask` keeps personal numbers masked instead of refusing the text; `lines` keeps the
    writer's line breaks (only the ends are trimmed); `refusal` replaces the message of a refused number."""
    text = (value or "").strip() if lines else " ".join((value or "").split())
    if not text and required:
        raise Invalid(required, field=field)
    if len(text) > max_length:
        raise Invalid(f"{label}不能超过 {max_length} 个字", field=field)
    if contains_personal_number(text):
        if not mask:
            refused = f"{label}中不能写身份证号或手机号（含加空格、横线或全角数字的写法），请删去后再提交"
            raise Invalid(refusal or refused, field=field)
        text = redact(text)
    return text
