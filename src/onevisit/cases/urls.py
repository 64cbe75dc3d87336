"""The cases pages' addresses: the public status page, the window and the back office, each its namespace."""

from django.urls import include, path

from onevisit.cases.office import answer, approve, give_back, task_page, verify, work_list
from onevisit.cases.public import certificate_pdf, status
from onevisit.cases.views import (
    accept,
    call_next,
    case_page,
    complete,
    continue_case,
    correct,
    deliver,
    flag_outlier,
    full_id,
    hand_over,
    no_show,
    pause,
    recall,
    recall_no_show,
    receipt_pdf,
    save_form,
    scan,
    supply,
    transfer,
    window_home,
    window_page,
)

public = [
    path("t/<str:token>/", status, name="status"),
    path("t/<str:token>/certificate.pdf", certificate_pdf, name="certificate"),
]

window = [
    path("", window_home, name="window-home"),
    path("<slug:code>/", window_page, name="window"),
    path("<slug:code>/scan/", scan, name="scan"),
    path("<slug:code>/call/", call_next, name="call"),
    path("<slug:code>/pause/", pause, name="pause"),
    path("<slug:code>/tickets/<int:ticket_id>/recall/", recall, name="recall"),
    path("<slug:code>/tickets/<int:ticket_id>/no-show/", no_show, name="no-show"),
    path("<slug:code>/tickets/<int:ticket_id>/return/", recall_no_show, name="recall-no-show"),
    path("<slug:code>/tickets/<int:ticket_id>/transfer/", transfer, name="transfer"),
    path("<slug:code>/accept/", accept, name="accept"),
    path("<slug:code>/cases/<int:case_id>/", case_page, name="case"),
    path("<slug:code>/cases/<int:case_id>/form/", save_form, name="form"),
    path("<slug:code>/cases/<int:case_id>/commitments/<int:commitment_id>/supply/", supply, name="supply"),
    path("<slug:code>/cases/<int:case_id>/continue/", continue_case, name="continue"),
    path("<slug:code>/cases/<int:case_id>/correct/", correct, name="correct"),
    path("<slug:code>/cases/<int:case_id>/outlier/", flag_outlier, name="outlier"),
    path("<slug:code>/cases/<int:case_id>/full-id/", full_id, name="full-id"),
    path("<slug:code>/cases/<int:case_id>/complete/", complete, name="complete"),
    path("<slug:code>/cases/<int:case_id>/hand-over/", hand_over, name="hand-over"),
    path("<slug:code>/cases/<int:case_id>/deliver/", deliver, name="deliver"),
    path("<slug:code>/cases/<int:case_id>/receipt.pdf", receipt_pdf, name="receipt"),
]

office = [
    path("", work_list, name="work-list"),
    path("tasks/<int:task_id>/", task_page, name="task"),
    path("tasks/<int:task_id>/approve/", approve, name="approve"),
    path("tasks/<int:task_id>/return/", give_back, name="return"),
    path("tasks/<int:task_id>/verify/", verify, name="verify"),
    path("verifications/<int:verification_id>/answer/", answer, name="answer"),
]

urlpatterns = [
    path("", include((public, "public"))),
    path("window/", include((window, "cases"))),
    path("office/", include((office, "office"))),
]
