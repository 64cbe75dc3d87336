"""What the window's and the back office's pages send, parsed at the edge (the services keep the rules).

The merged form itself (一表) is not here: its fields are the case's own, from the field dictionary, and
services.save_draft checks each against its rule, for the pages and the API alike."""

from onevisit.accounts.pages import Day, Flag, Integer, PageForm, Text, Texts


class ScanForm(PageForm):
    code = Text(strip=True, label="小票")


class AcceptForm(PageForm):
    code = Text(label="小票")  # shown back as scanned when refused


class TransferForm(PageForm):
    queue = Text(label="转入队列")


class PauseForm(PageForm):
    paused = Flag("1", label="暂停叫号")


class DeliverForm(PageForm):
    method = Text(label="出件方式")
    tracking_number = Text(label="邮寄单号")


class PrefilledForm(PageForm):
    """The merged form's inputs the page filled from what the system knew (an untouched one is no entry)."""

    _prefilled = Texts(label="预填字段")


class ViaForm(PageForm):
    """补交 or 补正: how it came (the citizen at the hall, online, by mail)."""

    via = Text(label="补交方式")


class ContinueForm(PageForm):
    """接续受理: the bundle and the situation answers (catalog.answers_from_query reads those against the
    bundle's questions), then the materials the clerk checked off and the commitment for what is missing."""

    bundle = Text(label="一件事")
    materials = Texts(label="材料")
    commitment = Flag(label="容缺承诺")
    tolerance_due = Day("承诺补交日期", example="2026-12-31")
    confirm = Flag("1", label="确认接续受理")


class NoteForm(PageForm):
    note = Text(label="说明")


# ---- back office ---------------------------------------------------------------------------------------------


class ReturnForm(PageForm):
    reasons = Text(label="退件理由")
    to = Text(label="退回至")

    def clean_to(self) -> str:
        return self.cleaned_data["to"] or "window"


class VerifyForm(PageForm):
    department = Text(label="核验部门")
    question = Text(label="核验内容")
    due_days = Integer("答复期限")  # a count the service does not offer is refused there, naming the field

    def clean_due_days(self) -> int:
        days = self.cleaned_data["due_days"]
        return 1 if days is None else days


class AnswerForm(PageForm):
    confirmed = Flag("yes", label="核验结论")
    answer = Text(label="答复")


class ReasonForm(PageForm):
    """Why a clerk opens a case of another window (查阅原因): recorded with the read."""

    reason = Text(strip=True, max_length=400, label="查阅原因")
