"""What the ferry's pages send, parsed at the edge (the services check each value against its field set)."""

from onevisit.accounts.pages import Flag, PageForm, Text


class ManualEntryForm(PageForm):
    """The reply fields of one field set the clerk typed while its back end is down: only those sent."""

    def __init__(self, data, *, reply_fields, **kwargs):
        super().__init__(data, **kwargs)
        for name in reply_fields:
            if name in data:
                self.fields[name] = Text(label=name)


class BreakerForm(PageForm):
    state = Flag("open", label="断路器")
    reason = Text(label="理由")
