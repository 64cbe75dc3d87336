"""The review's query (hall, period, baseline, outlier rule, matter), parsed at the edge."""

from onevisit.accounts.pages import Day, PageForm, Text


class ReviewForm(PageForm):
    hall = Text(strip=True, label="大厅")
    base_hall = Text(strip=True, label="对比大厅")
    outlier = Text(label="极端值规则")  # queries.rule reads it, refusing a bad percentile by name
    matter = Text(strip=True, max_length=None, label="事项")

    def clean_matter(self) -> str:
        return self.cleaned_data["matter"][:64]


# "from" is a Python keyword: the period's fields are added by name.
ReviewForm.base_fields.update({"from": Day(), "to": Day(), "base_from": Day(), "base_to": Day()})
