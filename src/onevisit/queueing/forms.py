"""What the public booking page sends, parsed at the edge (people.check_identity and the services keep the rules)."""

import re

from django import forms

from onevisit.accounts.pages import Day, PageForm, Text


class BookingForm(PageForm):
    """网上预约, step by step: the matter, the day (a link the page wrote), then the slot and who is coming."""

    matter = Text(label="事项")
    day = Day("预约日期")
    slot = Text(label="预约时段")
    name = Text(label="姓名")
    resident_id = Text(label="身份证号")
    phone = Text(label="手机号")

    def clean_slot(self) -> int | None:
        slot = self.cleaned_data["slot"]
        if not re.fullmatch(r"[0-9]{1,9}", slot):
            raise forms.ValidationError("请选择预约时段")
        return int(slot)


class BookingSentForm(PageForm):
    """The page after a booking request: the matter (what to bring) and whether the SMS went out."""

    matter = Text(label="事项")
    sms = Text(label="短信")
