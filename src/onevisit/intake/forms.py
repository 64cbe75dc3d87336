"""What the guide desk's and the kiosk's pages send, parsed at the edge (the services keep the rules)."""

from onevisit.accounts.pages import Day, Flag, PageForm, Text, Texts


class PrereviewForm(PageForm):
    """The desk's pre-review. The situation answers (q-<question>) are read by catalog.answers_from_query
    against the bundle's questions; each material marked not applicable (na) brings its reason (na-<code>)."""

    name = Text(label="姓名")
    resident_id = Text(label="身份证号")
    phone = Text(label="手机号")
    channel = Text(label="办理渠道")
    tolerance_due = Day("承诺补交日期", example="2026-12-31")
    materials = Texts(label="材料")
    na = Texts(label="本次不适用的材料")
    disability = Flag(label="特殊群体")
    commitment = Flag(label="容缺承诺")
    confirm_name = Flag(label="确认姓名")
    join_waiting = Flag("1", label="加入等候中的小票")
    idempotency_key = Text(label="提交标识")
    refresh = Text(label="按情形更新")

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        for code in data.getlist("na") if data is not None else []:
            self.fields[f"na-{code}"] = Text(label="不适用理由")

    def typed(self, name: str) -> str:
        """The input as it was sent (blank when absent): what the page shows back."""
        return self[name].value() or ""

    def not_applicable(self) -> dict[str, str]:
        return {c: self.cleaned_data[f"na-{c}"] for c in self.cleaned_data["na"]}


class AppointmentForm(PageForm):
    appointment = Text(label="预约码")


class ConsultationForm(PageForm):
    target = Text(label="咨询事项")
    note = Text(label="说明")


class CheckInForm(PageForm):
    code = Text(label="预约码")
    back = Text(label="返回")
    confirmed = Flag("yes", label="已确认材料")


class TicketCodeForm(PageForm):
    code = Text(label="小票")


class KioskForm(PageForm):
    resident_id = Text(label="身份证号")
    idempotency_key = Text(label="提交标识")
