"""The population system as a SOAP 1.1 document/literal service: `Exchange` in, `ExchangeResponse` out.

Untrusted XML is parsed with defusedxml only (no DTDs, no entities); replies are built with lxml.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from lxml import etree

from onevisit.simulators.legacy import HttpSim, SimHandler

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
TNS = "urn:onevisit:ferry"
SOAP_ACTION = "urn:onevisit:ferry:Exchange"

# ExchangeRequest child element → wire request key, in schema order.
REQUEST_ELEMENTS = {
    "EnvelopeId": "envelope_id",
    "IdempotencyKey": "idempotency_key",
    "Backend": "backend",
    "FieldSet": "field_set",
    "Version": "version",
    "Operation": "operation",
    "CreatedAt": "created_at",
    "Payload": "payload",
    "SentAt": "sent_at",
    "Nonce": "nonce",
    "Signature": "signature",
}


class SoapFault(ValueError):
    """Input that is not an ExchangeRequest in a SOAP envelope; answered with a SOAP Fault."""


@cache
def wsdl_template() -> str:
    return (
        resources.files("onevisit.simulators.legacy").joinpath("population.wsdl").read_text(encoding="utf-8")
    )


def wsdl(address: str) -> bytes:
    return wsdl_template().replace("__ADDRESS__", address).encode()


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: Any) -> str:
    return element.text or ""


def parse_request(body: bytes) -> dict[str, Any]:
    """A SOAP envelope → the wire request dict (version as int, payload as dict); SoapFault if it is not one."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise SoapFault(f"请求含有被禁止的 XML 构造（{type(exc).__name__}）") from None
    except SafeET.ParseError as exc:
        raise SoapFault(f"请求不是有效的 XML：{exc}") from None
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapFault("请求不是 SOAP 1.1 信封")
    body_element = root.find(f"{{{SOAP_ENV}}}Body")
    if body_element is None or len(body_element) == 0:
        raise SoapFault("SOAP 信封没有 Body 内容")
    operation = body_element[0]
    if _local(operation.tag) != "ExchangeRequest":
        raise SoapFault(f"不支持的操作 {_local(operation.tag) or operation.tag}")
    request: dict[str, Any] = {}
    for child in operation:
        name = _local(child.tag)
        if name not in REQUEST_ELEMENTS:
            raise SoapFault(f"ExchangeRequest 含有未定义的元素 {name}")
        key = REQUEST_ELEMENTS[name]
        if key in request:
            raise SoapFault(f"元素 {name} 重复")
        if key == "version":
            try:
                request[key] = int(_text(child).strip())
            except ValueError:
                raise SoapFault("Version 必须是整数") from None
        elif key == "payload":
            request[key] = _fields(child)
        else:
            request[key] = _text(child)
    return request


def _fields(element: Any) -> dict[str, str]:
    fields: dict[str, str] = {}
    for field in element:
        if _local(field.tag) != "Field":
            raise SoapFault(f"Payload 只能包含 Field，而不是 {_local(field.tag)}")
        parts = {_local(part.tag): _text(part) for part in field}
        if set(parts) != {"Name", "Value"}:
            raise SoapFault("Field 必须恰好包含 Name 与 Value")
        if parts["Name"] in fields:
            raise SoapFault(f"字段 {parts['Name']} 重复")
        fields[parts["Name"]] = parts["Value"]
    return fields


def _envelope(content: etree._Element) -> bytes:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap-env": SOAP_ENV})
    etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body").append(content)
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def render_reply(reply: dict[str, Any]) -> bytes:
    """The wire reply as an ExchangeResponse envelope."""
    response = etree.Element(f"{{{TNS}}}ExchangeResponse", nsmap={"tns": TNS})

    def add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        element = etree.SubElement(parent, f"{{{TNS}}}{name}")
        element.text = text
        return element

    add(response, "EnvelopeId", str(reply.get("envelope_id", "")))
    add(response, "Status", str(reply.get("status", "")))
    fields = add(response, "Fields")
    for name, value in (reply.get("fields") or {}).items():
        field = add(fields, "Field")
        add(field, "Name", str(name))
        add(field, "Value", str(value))
    add(response, "Reason", str(reply.get("reason", "")))
    add(response, "Duplicate", "true" if reply.get("duplicate") else "false")
    if "signature" in reply:
        add(response, "Signature", str(reply["signature"]))
    return _envelope(response)


def render_fault(message: str, *, code: str = "Client") -> bytes:
    fault = etree.Element(f"{{{SOAP_ENV}}}Fault", nsmap={"soap-env": SOAP_ENV})
    etree.SubElement(fault, "faultcode").text = f"soap-env:{code}"
    etree.SubElement(fault, "faultstring").text = message
    return _envelope(fault)


class _SoapHandler(SimHandler):
    def do_GET(self) -> None:
        if not self.passes_fault():
            return
        parts = urlsplit(self.path)
        if parts.path == "/health":
            self.health()
        elif "wsdl" in {k.lower() for k in parse_qs(parts.query, keep_blank_values=True)}:
            self.delay_if_slow()
            self.answer(200, wsdl(self.server.sim.address), "text/xml; charset=utf-8")
        else:
            self.answer(404, b"", "text/plain")

    def do_POST(self) -> None:
        body = self.read_body()
        if body is None or not self.passes_fault():
            return
        action = (self.headers.get("SOAPAction") or "").strip('"')
        try:
            if action and action != SOAP_ACTION:
                raise SoapFault(f"未知的 SOAPAction {action}")
            request = parse_request(body)
        except SoapFault as exc:
            self.answer(500, render_fault(str(exc)), "text/xml; charset=utf-8")
            return
        reply = self.ledger.handle(request)
        self.delay_if_slow()
        if self.ledger.fault == "malformed":
            self.answer(200, b"<soap-env:Envelope><soap-env:Body><ExchangeResponse>", "text/xml")
            return
        self.answer(200, render_reply(reply), "text/xml; charset=utf-8")


class SoapSim(HttpSim):
    """`GET /?wsdl`, `POST /` (Exchange), `GET /health`."""

    handler = _SoapHandler
