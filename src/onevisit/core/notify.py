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
from typing import ClassVar, Protocol

import httpx
from django.conf import settings

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
