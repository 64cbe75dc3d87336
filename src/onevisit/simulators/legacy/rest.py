"""The social-insurance system as a JSON API: `POST /api/v1/exchange` behind an `X-Api-Key`, `GET /health`."""

from __future__ import annotations

import hmac
import json
from urllib.parse import urlsplit

from onevisit.simulators.legacy import HttpSim, SimHandler
from onevisit.simulators.legacy.ledger import Ledger

EXCHANGE_PATH = "/api/v1/exchange"


class _RestHandler(SimHandler):
    server_version = "SocialInsuranceSim/1"

    def do_GET(self) -> None:
        if not self.passes_fault():
            return
        if urlsplit(self.path).path == "/health":
            self.health()
        else:
            self.answer_json(404, {"detail": "没有这个接口"})

    def do_POST(self) -> None:
        body = self.read_body()
        if body is None or not self.passes_fault():
            return
        if urlsplit(self.path).path != EXCHANGE_PATH:
            self.answer_json(404, {"detail": "没有这个接口"})
            return
        given = self.headers.get("X-Api-Key") or ""
        if not hmac.compare_digest(given.encode(), self.server.sim.api_key.encode()):
            self.answer_json(401, {"detail": "API 密钥缺失或无效"})
            return
        try:
            request = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            self.answer_json(400, {"detail": "请求体不是有效的 JSON"})
            return
        reply = self.ledger.handle(request)
        self.delay_if_slow()
        if self.ledger.fault == "malformed":
            self.answer(200, b'{"envelope_id": "', "application/json")
            return
        self.answer_json(200, reply)


class RestSim(HttpSim):
    handler = _RestHandler

    def __init__(self, ledger: Ledger, *, api_key: str, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(ledger, host=host, port=port)
        self.api_key = api_key
