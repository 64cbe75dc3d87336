"""The notifier port: short messages to a citizen's phone (SMS), through the adapter settings name.

`ONEVISIT_NOTIFIER` names the adapter in `NOTIFIERS`: `demo` keeps every message in this process's memory (the
tests read them back), `gateway` posts each to an SMS gateway's HTTP API at ONEVISIT_SMS_GATEWAY_URL (the demo runs
`onevisit sms-gateway`, a stand-in whose page shows each phone's messages), `failing` refuses every one (so a
caller's degraded path is exercised). Online booking sends its result this way (queueing.booking).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar, Protocol

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from onevisit.core import clock, crypto
from onevisit.core.ids import personal_number_in
from onevisit.core.registry import Registry


@dataclass(frozen=True)
class Message:
    phone: str  # the recipient, as the gateway needs it; never logged or put in an event in full
    text: str


class NotifierUnavailable(Exception):
    """The message was not sent; the caller decides whether to try again or tell staff."""


class Notifier(Protocol):
    def send(self, message: Message) -> None: ...

    def check_config(self) -> list[str]: ...


NOTIFIERS: Registry[Notifier] = Registry("notifier")


@NOTIFIERS.register("demo")
class DemoNotifier:
    """Sends nothing: keeps the latest messages in this process's outbox, for the demo and the tests to read."""

    outbox: ClassVar[deque[Message]] = deque(maxlen=1000)
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def send(self, message: Message) -> None:
        with self._lock:
            self.outbox.append(message)

    def check_config(self) -> list[str]:
        return []

    @classmethod
    def clear(cls) -> None:
        with cls._lock:
            cls.outbox.clear()


@NOTIFIERS.register("gateway")
class GatewayNotifier:
    """POST {phone, text} as JSON to the gateway's /messages; anything but a 2xx answer is a message not sent."""

    def send(self, message: Message) -> None:
        url = settings.ONEVISIT_SMS_GATEWAY_URL.rstrip("/") + "/messages"
        try:
            answer = httpx.post(
                url,
                json={"phone": message.phone, "text": message.text},
                timeout=settings.ONEVISIT_SMS_TIMEOUT,
            )
        except httpx.HTTPError as exc:  # the phone is in the request, never in what is raised
            raise NotifierUnavailable(f"短信网关无法连接（{type(exc).__name__}）") from None
        if not answer.is_success:
            raise NotifierUnavailable(f"短信网关拒绝了短信（HTTP {answer.status_code}）")

    def check_config(self) -> list[str]:
        if not settings.ONEVISIT_SMS_GATEWAY_URL.startswith(("http://", "https://")):
            return ["ONEVISIT_SMS_GATEWAY_URL 须为短信网关的 http(s) 地址（ONEVISIT_NOTIFIER=gateway）"]
        return []


@NOTIFIERS.register("failing")
class FailingNotifier:
    """Refuses every message, as a gateway that is down does."""

    def send(self, message: Message) -> None:
        raise NotifierUnavailable("短信网关不可用（failing 适配器：每条消息都失败）")

    def check_config(self) -> list[str]:
        return []


def notifier() -> Notifier:
    """The configured adapter (ONEVISIT_NOTIFIER); building it sends nothing."""
    return NOTIFIERS[settings.ONEVISIT_NOTIFIER]()


# ---- the outbox: each message a row, sent by a job, tried again later when the gateway fails ------------------

# The kinds of message, as the admin's list and the events name them; REMINDERS are those a citizen may opt out of
# (退订); the other answers the citizen's own request (the booking they asked for) and always goes.
KINDS = {
    "booking": "预约结果",
    "called": "叫号",
    "soon": "即将叫号",
    "returned": "退回补正",
    "ready": "办结待出件",
    "delivered": "已出件",
    "commitment": "容缺补交提醒",
}
REMINDERS = frozenset(KINDS) - {"booking"}
# After the 1st, 2nd, … failed send, the next try this many seconds later; after the last, the message is given up.
RETRY_DELAYS = (30, 120, 600, 1800)
DELIVER = "onevisit.core.notify.deliver"
DELIVER_DUE = "onevisit.core.notify.deliver_due"


def queue(*, phone: str, text: str, kind: str, hall: str = "") -> Any:
    """Keep a message for `phone` and hand its sending to a job (core.jobs): at once when jobs run inline, else by
    the job cluster after the caller's transaction commits. Returns the Notification row."""
    from onevisit.core import jobs
    from onevisit.core.ids import mask_phone
    from onevisit.core.models import Notification

    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    if personal_number_in(text):
        raise ValueError("a message never carries a full resident ID or phone number")
    now = clock.now()
    phone_digest = crypto.digest("phone", phone)
    recent = Notification.objects.filter(
        phone_digest=phone_digest, created_at__gte=now - timedelta(hours=1)
    ).exclude(status=Notification.Status.SKIPPED)
    limited = recent.count() >= settings.ONEVISIT_SMS_PER_PHONE_HOUR
    row = Notification.objects.create(
        created_at=now,
        hall=hall,
        kind=kind,
        phone_sealed="" if limited else crypto.seal(phone),
        phone_masked=mask_phone(phone),
        phone_digest=phone_digest,
        text=text,
        next_attempt_at=now,
        status=Notification.Status.SKIPPED if limited else Notification.Status.PENDING,
    )
    if limited:  # a phone flooded by requests in its number's name (or a loop) hears no more this hour
        return row
    jobs.enqueue(DELIVER, row.pk, name=f"短信 {row.pk}")
    if settings.ONEVISIT_JOBS == jobs.INLINE:  # sent (or tried) already: the row as the send left it
        row.refresh_from_db()
    return row


def tell(person: Any, *, kind: str, text: str, hall: str = "") -> Any:
    """A message to a known citizen (core.models.Person) at the phone the hall holds: none without one, none for a
    reminder they opted out of. The text never names them (a lost or shared phone shows it) nor carries a full
    number. Returns the Notification row, or None when nothing is sent."""
    if person is None or not person.phone_sealed:
        return None
    if kind in REMINDERS and person.sms_opt_out:
        return None
    if person.name and person.name in text:
        raise ValueError("a message never names the citizen")
    return queue(phone=person.phone, text=text, kind=kind, hall=hall)


def deliver(pk: int) -> str:
    """The job that sends one kept message, if it is still waiting and due: claimed first by a conditional update
    (on both databases; two workers never send it twice), sent without a transaction held open, then marked sent,
    or put off by the next of RETRY_DELAYS, or given up after the last. Each outcome is an event; the number is
    dropped once the message is sent or given up. Returns the status."""
    from onevisit.core.events import emit
    from onevisit.core.models import Notification

    now = clock.now()
    lease = now + timedelta(seconds=settings.ONEVISIT_SMS_TIMEOUT * 2 + 5)
    claimed = (
        Notification.objects.filter(pk=pk, status=Notification.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=lease)
    )
    row = Notification.objects.get(pk=pk)
    if not claimed:
        return str(row.status)
    try:
        notifier().send(Message(phone=row.phone, text=row.text))
    except NotifierUnavailable as exc:
        failure: str | None = str(exc)[:200]
    else:
        failure = None
    row.attempts += 1
    row.claimed_until = None
    done = clock.now()
    if failure is None:
        row.status, row.sent_at, row.error = Notification.Status.SENT, done, ""
    else:
        row.error = failure
        if row.attempts > len(RETRY_DELAYS):
            row.status = Notification.Status.FAILED
        else:
            row.next_attempt_at = done + timedelta(seconds=RETRY_DELAYS[row.attempts - 1])
    if row.status != Notification.Status.PENDING:
        row.phone_sealed = ""
    with transaction.atomic():
        row.save()
        if row.status == Notification.Status.SENT:
            emit(
                "notification.sent", hall=row.hall or None, data={"kind": row.kind, "attempts": row.attempts}
            )
        elif row.status == Notification.Status.FAILED:
            emit(
                "notification.failed",
                hall=row.hall or None,
                data={"kind": row.kind, "attempts": row.attempts, "reason": row.error},
            )
    return str(row.status)


def deliver_due() -> int:
    """The periodic job: every waiting message whose next try is due (a retry, or one whose job was lost), sent.
    Returns how many were tried."""
    from onevisit.core.models import Notification

    due = Notification.objects.filter(
        status=Notification.Status.PENDING, next_attempt_at__lte=clock.now()
    ).values_list("pk", flat=True)
    tried = 0
    for pk in list(due[:500]):
        deliver(pk)
        tried += 1
    return tried
