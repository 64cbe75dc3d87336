"""Adapters of a port (back ends, printers, the notifier) registered by name; settings choose by name.

Pure: no Django. A port module makes one `Registry`, each adapter class registers itself under the name the
settings use, and the use case asks the registry for the configured name, never `if style == …`. Every adapter
answers `check_config()` with its configuration problems (an empty list when it is ready), so `onevisit check`
can list them before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, Protocol, TypeVar


class Configurable(Protocol):
    def check_config(self) -> list[str]:
        """Problems with this adapter's configuration, in words for whoever set it up; [] when it is ready."""
        ...


A = TypeVar("A")


class UnknownAdapter(LookupError):
    """A name no adapter of the port is registered under; the message lists the ones there are."""

    def __init__(self, port: str, name: str, known: list[str]) -> None:
        self.port, self.name, self.known = port, name, known
        super().__init__(f"{port}: no adapter named {name!r}; one of {', '.join(known) or '(none)'}")


class Registry(Generic[A]):
    """Adapter classes of one port by name, in registration order."""

    def __init__(self, port: str) -> None:
        self.port = port
        self._adapters: dict[str, type[A]] = {}

    def register(self, name: str) -> Callable[[type[A]], type[A]]:
        """Class decorator: `@PRINTERS.register("escpos")`. A name is registered once."""

        def add(cls: type[A]) -> type[A]:
            if name in self._adapters and self._adapters[name] is not cls:
                raise ValueError(f"{self.port}: {name!r} is already {self._adapters[name].__qualname__}")
            self._adapters[name] = cls
            return cls

        return add

    def __getitem__(self, name: str) -> type[A]:
        try:
            return self._adapters[name]
        except KeyError:
            raise UnknownAdapter(self.port, name, self.names()) from None

    def __contains__(self, name: object) -> bool:
        return name in self._adapters

    def __iter__(self) -> Iterator[str]:
        return iter(self._adapters)

    def names(self) -> list[str]:
        return list(self._adapters)
