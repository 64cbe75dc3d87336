"""What the notice and the legal section's pages send, parsed at the edge (the services keep the rules).

The situation answers (q-<question>) are not here: catalog.services.answers_from_query reads them against the
bundle's own questions, for the notice, the desk and the window alike."""

from onevisit.accounts.pages import Day, Flag, PageForm, Text, Texts


class CardsForm(PageForm):
    matter = Texts(label="事项")


class PublishForm(PageForm):
    temporary = Flag(label="临时调整")
    filing_number = Text(label="备案号")
    reason = Text(label="调整理由")
    ends_on = Text(label="截止日期")

    def clean_ends_on(self):
        """Read only for a temporary change (a permanent one has no end date, whatever the field holds)."""
        if not self.cleaned_data.get("temporary"):
            return None
        return Day("截止日期", example="2026-12-31").clean(self.cleaned_data["ends_on"])


class RejectForm(PageForm):
    rejection_reason = Text(label="退回理由")


class CheckForm(PageForm):
    result = Text(label="核查结论")
    note = Text(label="说明")


class VersionsForm(PageForm):
    """Two version numbers to compare (the page's own links)."""

    a = Text(strip=True, label="版本")
    b = Text(strip=True, label="版本")


class RejectActionForm(RejectForm):
    """The admin's 退回修改 action: its own page asks for the reason, then applies."""

    apply = Flag(None, label="确认退回")
