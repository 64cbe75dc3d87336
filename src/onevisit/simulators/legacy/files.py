"""The payment system as a file exchange: requests appear in `inbox/`, answers in `outbox/` under the same name.

Both sides write a file as `.name` first and rename it into place, so a reader never sees half a file;
names starting with "." are someone's work in progress and are left alone.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from onevisit.ferry import wire
from onevisit.simulators.legacy.ledger import Ledger

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.05


class FileSim:
    """Polls `inbox/` every 50 ms from a daemon thread; answers each `*.json` request into `outbox/`."""

    def __init__(self, ledger: Ledger, directory: str | Path) -> None:
        self.ledger = ledger
        self.directory = Path(directory)
        self.inbox = self.directory / "inbox"
        self.outbox = self.directory / "outbox"
        self.rejected = self.inbox / "rejected"
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> FileSim:
        for folder in (self.inbox, self.outbox, self.rejected):
            folder.mkdir(parents=True, exist_ok=True)
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, daemon=True, name="FileSim")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def address(self) -> str:
        return str(self.directory)

    @property
    def port(self) -> None:
        return None

    def __enter__(self) -> FileSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stopping.wait(POLL_SECONDS):
            try:
                self.poll()
            except Exception:  # the loop must outlive any one bad file or a vanished folder
                logger.exception("file exchange simulator: poll failed")

    def poll(self) -> int:
        """Answer every waiting request once; returns how many were answered."""
        if self.ledger.fault == "down":
            return 0
        answered = 0
        for path in sorted(self.inbox.glob("*.json")):
            if path.name.startswith(".") or not path.is_file() or self._stopping.is_set():
                continue
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                continue
            self._answer(path, raw)
            answered += 1
        return answered

    def _answer(self, path: Path, raw: bytes) -> None:
        try:
            request = json.loads(raw)
            if not isinstance(request, dict):
                raise ValueError("内容不是 JSON 对象")
        except (UnicodeDecodeError, ValueError) as exc:
            os.replace(path, self.rejected / path.name)
            reply = self.ledger.refuse("", f"不是有效的请求文件: {exc}")
        else:
            reply = self.ledger.handle(request)
        if self.ledger.fault == "slow":
            self._stopping.wait(self.ledger.slow_seconds)
        if self.ledger.fault == "malformed":
            body = b"<html>503 Service Temporarily Unavailable"
        else:
            body = json.dumps(reply, ensure_ascii=False, indent=2).encode()
        wire.write_file(self.outbox / path.name, body)
        path.unlink(missing_ok=True)  # answered first, removed second: a crash in between means a duplicate
