"""The hall's side of each legacy interface: one port (`BackendSystem`), one adapter per style (SOAP, REST, file
exchange), plus `demo` (answers in this process from the demo population, no server) and `failing` (every
exchange is a transport failure), all in the `BACKENDS` registry. A back end uses the adapter of its interface
style unless ONEVISIT_FERRY_ADAPTERS names another for its code.

An adapter carries a signed wire request out and a reply dict back, and sorts every failure into what the
caller should do next: `Unavailable` and `Malformed` — try again later; `Rejected` — do not. It never checks
signatures or decides anything about the content: the caller does, with `wire.check_reply`.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
import requests
import zeep
import zeep.exceptions
from django.conf import settings
from lxml.etree import XMLSyntaxError

from onevisit.core.registry import Registry
from onevisit.ferry import keys, wire

# Request keys as ExchangeRequest elements, and ExchangeResponse elements as reply keys (see population.wsdl).
SOAP_REQUEST = {
    "envelope_id": "EnvelopeId",
    "idempotency_key": "IdempotencyKey",
    "backend": "Backend",
    "field_set": "FieldSet",
    "version": "Version",
    "operation": "Operation",
    "created_at": "CreatedAt",
    "sent_at": "SentAt",
    "nonce": "Nonce",
    "signature": "Signature",
}
REST_EXCHANGE_PATH = "api/v1/exchange"
SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}")


class Unavailable(Exception):
    """Transport failure (refused connection, timeout, disconnect, 5xx): retry later."""


class Malformed(Exception):
    """The back end answered something that is not a reply (bad XML/JSON, SOAP fault): retry later, audited."""


class Rejected(Exception):
    """The back end refused at transport level (401/403/other 4xx): retrying will not help."""


@dataclass
class Stray:
    """A file in the exchange that nobody asked for, or that the back end refused."""

    name: str
    reason: str


class BackendSystem(Protocol):
    """Port: built from a back end's address and code, connecting to nothing until used."""

    def __init__(self, address: str, *, backend: str) -> None: ...

    def send(self, request: dict[str, Any], *, timeout: float) -> dict[str, Any]: ...

    def health(self, *, timeout: float) -> bool: ...

    def sweep(self, waiting: set[str]) -> list[Stray]: ...

    def check_config(self) -> list[str]: ...


Adapter = BackendSystem
BACKENDS: Registry[BackendSystem] = Registry("ferry")


def adapter_for(name: str, address: str, *, backend: str) -> BackendSystem:
    """The adapter registered under `name` (an interface style, or demo/failing); building it connects to
    nothing. An unknown name raises UnknownAdapter listing the known ones."""
    return BACKENDS[name](address, backend=backend)


def adapter_name(code: str, style: str) -> str:
    """The adapter a back end uses: the one settings name for its code, else its interface style's."""
    return settings.ONEVISIT_FERRY_ADAPTERS.get(code, style)


def for_backend(backend: Any) -> BackendSystem:
    """The adapter for a configured back end (a `Backend` row)."""
    return adapter_for(adapter_name(backend.code, backend.style), backend.address, backend=backend.code)


def _with_slash(address: str) -> str:
    return address if address.endswith("/") else address + "/"


def _http_address_problems(address: str) -> list[str]:
    parts = urlsplit(address or "")
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return [f"地址「{address}」应为 http:// 或 https:// 开头的网址"]
    try:
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        return [f"地址「{address}」的端口无效"]
    return []


# --- SOAP (zeep) ---------------------------------------------------------------------------------------------

_zeep_clients: dict[str, Any] = {}
_zeep_lock = threading.Lock()


class _PerCallTimeout(zeep.Transport):
    """zeep reads operation_timeout on every call; keep it per thread so one cached client serves all."""

    def __init__(self, **kwargs: Any) -> None:
        self._calls = threading.local()
        self._default_timeout = kwargs.get("operation_timeout")
        super().__init__(**kwargs)

    @property
    def operation_timeout(self) -> float | None:
        return getattr(self._calls, "timeout", self._default_timeout)

    @operation_timeout.setter
    def operation_timeout(self, value: float | None) -> None:
        self._calls.timeout = value


@BACKENDS.register("soap")
class SoapAdapter:
    """ExchangeRequest over SOAP 1.1 with zeep; the WSDL is fetched once per address per process."""

    def __init__(self, address: str, *, backend: str) -> None:
        self.address = address
        self.backend = backend

    @property
    def wsdl_url(self) -> str:
        return f"{self.address}?wsdl"

    def check_config(self) -> list[str]:
        return _http_address_problems(self.address)

    def _client(self, timeout: float):
        with _zeep_lock:
            client = _zeep_clients.get(self.address)
            if client is None:
                client = self._load(timeout)
                _zeep_clients[self.address] = client
            return client

    def _load(self, timeout: float):
        transport = _PerCallTimeout(timeout=timeout, operation_timeout=timeout)
        try:
            client = zeep.Client(self.wsdl_url, transport=transport)
        except (requests.RequestException, zeep.exceptions.Error, XMLSyntaxError, OSError) as exc:
            raise Unavailable(f"无法载入 WSDL {self.wsdl_url}: {exc}") from exc
        binding = next(iter(client.wsdl.bindings))
        # The configured address wins over the one the WSDL advertises (proxies, port mappings).
        return client, client.create_service(binding, self.address)

    def send(self, request: dict[str, Any], *, timeout: float) -> dict[str, Any]:
        client, service = self._client(timeout)
        arguments = {element: request[key] for key, element in SOAP_REQUEST.items() if key in request}
        arguments["Payload"] = {
            "Field": [{"Name": k, "Value": v} for k, v in (request.get("payload") or {}).items()]
        }
        client.transport.operation_timeout = timeout
        try:
            response = service.Exchange(**arguments)
        except zeep.exceptions.Fault as exc:
            raise Malformed(f"SOAP Fault: {exc.message}") from exc
        except zeep.exceptions.TransportError as exc:
            # zeep appends the whole body to its message; the audit trail gets the diagnosis, not the content.
            diagnosis = str(exc.message).split("\n", 1)[0]
            if exc.status_code >= 500:
                raise Unavailable(f"HTTP {exc.status_code}: {diagnosis}") from exc
            if exc.status_code >= 400:
                raise Rejected(f"HTTP {exc.status_code}: {diagnosis}") from exc
            raise Malformed(f"回执不是有效的 SOAP 信封: {diagnosis}") from exc
        except (zeep.exceptions.XMLSyntaxError, zeep.exceptions.ValidationError, XMLSyntaxError) as exc:
            raise Malformed(f"回执不是有效的 SOAP 信封: {exc}") from exc
        except requests.RequestException as exc:
            raise Unavailable(f"{type(exc).__name__}: {exc}") from exc
        return self._reply(response)

    @staticmethod
    def _reply(response: Any) -> dict[str, Any]:
        if response is None:
            raise Malformed("回执为空")
        fields = (response.Fields.Field if response.Fields is not None else None) or []
        reply = {
            "envelope_id": response.EnvelopeId or "",
            "status": response.Status or "",
            "fields": {f.Name or "": f.Value or "" for f in fields},
            "reason": response.Reason or "",
            "duplicate": bool(response.Duplicate),
        }
        if response.Signature is not None:
            reply["signature"] = response.Signature
        return reply

    def health(self, *, timeout: float) -> bool:
        """The WSDL answers: the one thing every SOAP service serves."""
        try:
            answer = httpx.get(self.wsdl_url, timeout=timeout)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200 and b"definitions" in answer.content

    def sweep(self, waiting: set[str]) -> list[Stray]:
        return []


# --- REST (httpx) --------------------------------------------------------------------------------------------

_http_clients: dict[str, httpx.Client] = {}
_http_lock = threading.Lock()


def _http_client(address: str) -> httpx.Client:
    with _http_lock:
        client = _http_clients.get(address)
        if client is None:
            client = _http_clients[address] = httpx.Client(base_url=_with_slash(address))
        return client


def _detail(answer: httpx.Response) -> str:
    try:
        data = answer.json()
    except ValueError:
        return answer.text[:200]
    return str(data.get("detail", data)) if isinstance(data, dict) else str(data)[:200]


@BACKENDS.register("rest")
class RestAdapter:
    """JSON over HTTP with an `X-Api-Key`; one connection pool per address per process."""

    def __init__(self, address: str, *, backend: str) -> None:
        self.address = address
        self.backend = backend

    def check_config(self) -> list[str]:
        return _http_address_problems(self.address)

    def send(self, request: dict[str, Any], *, timeout: float) -> dict[str, Any]:
        headers = {"X-Api-Key": keys.api_key(self.backend)}
        try:
            answer = _http_client(self.address).post(
                REST_EXCHANGE_PATH, json=request, headers=headers, timeout=timeout
            )
        except httpx.TransportError as exc:
            raise Unavailable(f"{type(exc).__name__}: {exc}") from exc
        except httpx.HTTPError as exc:
            raise Malformed(f"{type(exc).__name__}: {exc}") from exc
        if answer.status_code >= 500:
            raise Unavailable(f"HTTP {answer.status_code}: {_detail(answer)}")
        if answer.status_code >= 400:
            raise Rejected(f"HTTP {answer.status_code}: {_detail(answer)}")
        if answer.status_code != 200:
            raise Malformed(f"意外的 HTTP 状态 {answer.status_code}")
        try:
            reply = answer.json()
        except ValueError as exc:
            raise Malformed(f"回执不是有效的 JSON: {exc}") from exc
        if not isinstance(reply, dict):
            raise Malformed("回执不是 JSON 对象")
        return reply

    def health(self, *, timeout: float) -> bool:
        try:
            answer = _http_client(self.address).get("health", timeout=timeout)
            return answer.status_code == 200 and answer.json().get("status") == "ok"
        except (httpx.HTTPError, ValueError, AttributeError):
            return False

    def sweep(self, waiting: set[str]) -> list[Stray]:
        return []


# --- File exchange -------------------------------------------------------------------------------------------


@BACKENDS.register("files")
class FileAdapter:
    """Requests into `inbox/<envelope_id>.json`, replies from `outbox/<envelope_id>.json`."""

    poll_seconds = 0.02
    settle_seconds = 2.0  # sweep leaves younger files alone: a sender may be about to take them
    stale_seconds = 10.0  # health: a request untouched this long means nobody is reading the inbox

    def __init__(self, address: str, *, backend: str) -> None:
        self.address = address
        self.backend = backend

    @property
    def directory(self) -> Path:
        path = Path(self.address)
        return path if path.is_absolute() else Path(settings.ONEVISIT_EXCHANGE_DIR)

    def check_config(self) -> list[str]:
        missing = [name for name in ("inbox", "outbox") if not (self.directory / name).is_dir()]
        if missing:
            folders = "、".join(f"{name}/" for name in missing)
            return [f"交换目录 {self.directory} 缺少 {folders}（对方系统未启动或目录配置有误）"]
        return []

    def send(self, request: dict[str, Any], *, timeout: float) -> dict[str, Any]:
        envelope_id = request.get("envelope_id")
        if not isinstance(envelope_id, str) or not SAFE_NAME.fullmatch(envelope_id):
            raise Rejected(f"信封编号 {envelope_id!r} 不能用作交换文件名")
        name = f"{envelope_id}.json"
        inbox, outbox = self.directory / "inbox", self.directory / "outbox"
        if not inbox.is_dir() or not outbox.is_dir():
            raise Unavailable(f"交换目录 {self.directory} 不存在或不完整")
        deadline = time.monotonic() + timeout
        raw = self._take(outbox / name)
        if raw is None:
            if not (inbox / name).exists():  # an earlier attempt still waiting is the same request
                body = json.dumps(request, ensure_ascii=False).encode()
                try:
                    wire.write_file(inbox / name, body)
                except OSError as exc:
                    raise Unavailable(f"无法写入交换目录: {exc}") from exc
            while raw is None:
                if time.monotonic() >= deadline:
                    raise Unavailable(f"{timeout:g} 秒内没有回执文件 {name}")
                time.sleep(self.poll_seconds)
                raw = self._take(outbox / name)
        try:
            reply = json.loads(raw)
        except (UnicodeDecodeError, ValueError) as exc:
            raise Malformed(f"回执文件不是有效的 JSON: {exc}") from exc
        if not isinstance(reply, dict):
            raise Malformed("回执文件不是 JSON 对象")
        return reply

    @staticmethod
    def _take(path: Path) -> bytes | None:
        """Claim the reply by renaming it first, so two readers can never both take it."""
        claimed = path.with_name(f".taken-{uuid.uuid4().hex}-{path.name}")
        try:
            os.replace(path, claimed)
        except FileNotFoundError:
            return None
        try:
            return claimed.read_bytes()
        finally:
            claimed.unlink(missing_ok=True)

    def health(self, *, timeout: float) -> bool:
        inbox, outbox = self.directory / "inbox", self.directory / "outbox"
        if not inbox.is_dir() or not outbox.is_dir():
            return False
        now = time.time()
        for path in inbox.glob("*.json"):
            try:
                if not path.name.startswith(".") and now - path.stat().st_mtime > self.stale_seconds:
                    return False
            except FileNotFoundError:
                continue
        return True

    def sweep(self, waiting: set[str]) -> list[Stray]:
        """Move replies nobody waits for to `outbox/rejected/` and say what each was."""
        outbox = self.directory / "outbox"
        if not outbox.is_dir():
            return []
        rejected = outbox / "rejected"
        strays = []
        now = time.time()
        for path in sorted(outbox.iterdir()):
            if path.name.startswith(".") or not path.is_file() or path.stem in waiting:
                continue
            try:
                if now - path.stat().st_mtime < self.settle_seconds:
                    continue
                raw = path.read_bytes()
                rejected.mkdir(exist_ok=True)
                target = rejected / path.name
                if target.exists():
                    target = rejected / f"{path.stem}.{uuid.uuid4().hex[:8]}{path.suffix}"
                os.replace(path, target)
            except FileNotFoundError:
                continue
            strays.append(Stray(name=path.name, reason=_stray_reason(raw)))
        return strays


def _stray_reason(raw: bytes) -> str:
    try:
        reply = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return "无人等待的回执文件（内容不是有效的 JSON）"
    if isinstance(reply, dict) and reply.get("status") == "refused":
        return f"对方拒收: {reply.get('reason') or '未说明原因'}"
    return "无人等待的回执文件"


# --- Demo and failing ----------------------------------------------------------------------------------------

_demo_ledgers: dict[str, Any] = {}
_demo_lock = threading.Lock()


@BACKENDS.register("demo")
class DemoBackend:
    """Answers in this process, as the simulated back end of the same code would: the demo population
    (data/ferry), signatures, allowlists and exactly-once per request key, with no server and no address.
    One ledger per back end per process, so a retry is answered as the first attempt was."""

    def __init__(self, address: str, *, backend: str) -> None:
        self.address = address
        self.backend = backend

    def _ledger(self):
        from onevisit.simulators.legacy import runner

        with _demo_lock:
            ledger = _demo_ledgers.get(self.backend)
            if ledger is None:
                ledger = _demo_ledgers[self.backend] = runner.demo_ledger(self.backend, keys.signing_key)
            return ledger

    def send(self, request: dict[str, Any], *, timeout: float) -> dict[str, Any]:
        try:
            ledger = self._ledger()
        except (OSError, ValueError) as exc:
            raise Unavailable(f"演示后端无法载入演示数据: {exc}") from exc
        return ledger.handle(request)

    def health(self, *, timeout: float) -> bool:
        return not self.check_config()

    def sweep(self, waiting: set[str]) -> list[Stray]:
        return []

    def check_config(self) -> list[str]:
        from onevisit.simulators.legacy import runner

        try:
            runner.demo_ledger(self.backend, keys.signing_key)
        except (OSError, ValueError) as exc:
            return [f"演示后端 {self.backend}: {exc}"]
        return []


@BACKENDS.register("failing")
class FailingBackend:
    """Every exchange is a transport failure and every probe unhealthy: the breaker opens and the window
    types by hand, as when a real back end is down."""

    def __init__(self, address: str, *, backend: str) -> None:
        self.address = address
        self.backend = backend

    def send(self, request: dict[str, Any], *, timeout: float) -> dict[str, Any]:
        raise Unavailable("failing 适配器：后端始终不可用")

    def health(self, *, timeout: float) -> bool:
        return False

    def sweep(self, waiting: set[str]) -> list[Stray]:
        return []

    def check_config(self) -> list[str]:
        return []
