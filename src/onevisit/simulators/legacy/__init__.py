"""Simulators of the three legacy back ends the ferry talks to: SOAP (population), REST (social insurance),
file exchange (payment). Real servers on loopback, so the hall's adapters are tested over real transports.

`ledger` holds what a back end does; `soap`, `rest` and `files` only carry requests to it and replies back,
and add the transport faults (down, slow, malformed) a demo or a test can switch on at any time.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from onevisit.simulators.legacy.ledger import Ledger

logger = logging.getLogger(__name__)

MAX_BODY = 1 << 20


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sim: HttpSim

    def handle_error(self, request, client_address) -> None:
        # A client that gave up on a slow reply closes its end: not worth a traceback on stderr.
        logger.debug("legacy simulator: connection from %s ended badly", client_address, exc_info=True)


class SimHandler(BaseHTTPRequestHandler):
    """Shared plumbing: faults at the transport level, bodies, JSON answers."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle and the client's delayed ACK
    # hold every keep-alive reply back by ~40 ms.
    disable_nagle_algorithm = True
    server: _Server

    @property
    def ledger(self) -> Ledger:
        return self.server.sim.ledger

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def read_body(self) -> bytes | None:
        """The request body, or None once a 413 has been sent."""
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            self.answer(413, b"", "text/plain")
            return None
        return self.rfile.read(length) if length > 0 else b""

    def passes_fault(self) -> bool:
        """False when the back end is 'down': the connection closes without a byte of response."""
        if self.ledger.fault == "down":
            self.close_connection = True
            return False
        return True

    def delay_if_slow(self) -> None:
        if self.ledger.fault == "slow":
            time.sleep(self.ledger.slow_seconds)

    def answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer_json(self, status: int, data: Any) -> None:
        body = json.dumps(data, ensure_ascii=False).encode()
        self.answer(status, body, "application/json; charset=utf-8")

    def health(self) -> None:
        self.delay_if_slow()
        if self.ledger.fault == "malformed":
            self.answer(200, b'{"status": ', "application/json")
        else:
            self.answer_json(200, {"status": "ok"})


class HttpSim:
    """A simulator on an HTTP port of its own, served from a daemon thread."""

    handler: type[SimHandler] = SimHandler

    def __init__(self, ledger: Ledger, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.ledger = ledger
        self.host = host
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> HttpSim:
        server = _Server((self.host, self._port), self.handler)
        server.sim = self
        self._server = server
        self._port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True, name=type(self).__name__
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def address(self) -> str:
        return f"http://{self.host}:{self._port}/"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
