"""The plan page's query, parsed at the edge; planning.services turns the texts into a Request."""

from onevisit.accounts.pages import Day, Flag, Integer, PageForm, Text, Texts


class PlanForm(PageForm):
    hall = Text(strip=True, label="大厅")
    planned = Flag(None, label="已提交")  # the page's own form was sent: its unticked scenarios stay off
    scenario = Texts(label="情景")
    other = Text(label="其他情景")
    online_queue = Text(label="转网上办理的队列")
    online_share = Text(label="网办比例")
    replications = Integer("重复次数")
    weekday = Text(label="星期")
    within = Text(label="时限")
    share = Text(label="按时比例")
    mean_wait = Text(label="平均等待")


# "from" is a Python keyword: the period's fields are added by name.
PlanForm.base_fields.update({"from": Day(), "to": Day()})
