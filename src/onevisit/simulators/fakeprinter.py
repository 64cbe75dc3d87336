"""A stand-in for a thermal printer's raw TCP port (9100): accepts jobs and keeps their bytes.

Used by the tests and by `onevisit fake-printer` in the demo; a real printer is the same socket.
"""

from __future__ import annotations

import socketserver
import threading


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        chunks = []
        while data := self.request.recv(65536):
            chunks.append(data)
        job = b"".join(chunks)
        with self.server.received:
            self.server.jobs.append(job)
            self.server.received.notify_all()
        if self.server.on_job:
            self.server.on_job(job)


class FakePrinter(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0, on_job=None) -> None:
        super().__init__((host, port), _Handler)
        self.jobs: list[bytes] = []
        self.on_job = on_job
        self.received = threading.Condition()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[bytes]:
        """The jobs once `count` have fully arrived (the sender closing first does not mean we have read it)."""
        with self.received:
            self.received.wait_for(lambda: len(self.jobs) >= count, timeout=timeout)
            return list(self.jobs)

    @property
    def address(self) -> str:
        host, port = self.server_address[:2]
        return f"{host}:{port}"

    def __enter__(self) -> FakePrinter:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()
