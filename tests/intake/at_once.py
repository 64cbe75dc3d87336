"""Run requests at the same moment, each in its own thread and database connection, as concurrent clients do."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections


def at_once(n: int, call: Callable[[int], object]) -> list:
    """call(0) … call(n-1) released together; each result, or the exception it raised (never swallowed)."""
    results: list = [None] * n
    barrier = threading.Barrier(n)

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = call(i)
        except BaseException as exc:  # reported by the caller's assertions
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    return results
