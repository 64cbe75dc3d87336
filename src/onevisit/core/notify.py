"""The notifier port: short messages to a citizen's phone (SMS), through the adapter settings name.

`ONEVISIT_NOTIFIER` names the adapter in `NOTIFIERS`: `demo` keeps every message in memory (the demo and the
tests read them back), `failing` refuses every one (so a caller's degraded path is exercised). The SMS gateway's
adapter registers here too when it comes. No feature sends messages yet: this is the port and its adapters.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import ClassVar, Protocol

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
