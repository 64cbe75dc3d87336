"""The review's query (hall, period, baseline, outlier rule, matter), parsed at the edge."""

from django import forms

from onevisit.accounts.pages import Day, PageForm, Text
from onevisit.core.errors import Invalid
from onevisit.metrics import queries


class ReviewForm(PageForm):
    hall = Text(strip=True, label="大厅")
    base_hall = Text(strip=True, label="对比大厅")
    outlier = Text(label="极端值规则")
    matter = Text(strip=True, max_length=None, label="事项")

    def clean_outlier(self) -> str:
        """Checked with the dates, so that a bad percentile and a bad date are named together, each beside its
        field; queries.rule reads the text afterwards."""
        text = self.cleaned_data["outlier"]
        try:
            queries.rule(text)
        except Invalid as exc:
            raise forms.ValidationError(exc.message) from None
        return text

    def clean_matter(self) -> str:
        return self.cleaned_data["matter"][:64]


# "from" is a Python keyword: the period's fields are added by name.
ReviewForm.base_fields.update(
    {
        "from": Day("本期开始日期"),
        "to": Day("本期结束日期"),
        "base_from": Day("基期开始日期"),
        "base_to": Day("基期结束日期"),
    }
)
