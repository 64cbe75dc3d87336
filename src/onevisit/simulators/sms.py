"""A stand-in for an SMS gateway (短信网关), for the demo and the tests: messages arrive over HTTP and wait in
per-phone inboxes, as they would on the citizens' phones.

- `POST /messages` with `{"phone": "13800138000", "text": "..."}` keeps a message (201), as a gateway's send API;
- `GET /messages?phone=13800138000` gives that phone's messages as JSON, newest last (the tests read them);
- `GET /?phone=13800138000` shows that phone's inbox as a page (the demo's "phone"): a person types the number
  they booked with and reads what was sent to it. Nothing lists every phone, and nothing is logged.

`onevisit sms-gateway` runs it; `onevisit serve --with-sms` starts it beside the product. Its memory is its only
store: a restart empties every inbox, as a real phone's inbox is not ours to keep.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PHONE = re.compile(r"1\d{10}")
MAX_BODY = 16 * 1024  # a message is a few hundred bytes; anything bigger is not a message
MAX_TEXT = 500  # characters: a long SMS is split by carriers at 70; no product message comes near this


class _Handler(BaseHTTPRequestHandler):
    server: FakeSmsGateway

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        """Nothing logged: a request line would carry the phone number of an inbox read."""

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value: object) -> None:
        self._reply(status, json.dumps(value, ensure_ascii=False).encode(), "application/json; charset=utf-8")

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        if urlsplit(self.path).path != "/messages":
            return self._json(404, {"error": "not found"})
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY:
            return self._json(413 if length else 400, {"error": "body missing or too large"})
        try:
            sent = json.loads(self.rfile.read(length))
            phone, text = sent["phone"], sent["text"]
        except (ValueError, KeyError, TypeError):
            return self._json(400, {"error": "expected JSON with phone and text"})
        if not isinstance(phone, str) or not PHONE.fullmatch(phone):
            return self._json(422, {"error": "phone must be 11 digits starting with 1"})
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            return self._json(422, {"error": f"text must be 1 to {MAX_TEXT} characters"})
        return self._json(201, {"id": self.server.keep(phone, text)})

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        phone = (parse_qs(url.query).get("phone") or [""])[0].strip()
        if url.path == "/messages":
            if not PHONE.fullmatch(phone):
                return self._json(422, {"error": "phone must be 11 digits starting with 1"})
            return self._json(200, self.server.inbox(phone))
        if url.path == "/favicon.ico":  # a browser asks for it with the page: nothing, and no error
            self.send_response(204)
            self.send_header("Cache-Control", "max-age=86400")
            self.end_headers()
            return None
        if url.path == "/":
            return self._reply(
                200, _page(phone, self.server.inbox(phone)).encode(), "text/html; charset=utf-8"
            )
        return self._json(404, {"error": "not found"})


def _page(phone: str, messages: list[dict]) -> str:
    if not phone:
        found = "<p>输入手机号码，查看发到这个号码的短信。</p>"
    elif not PHONE.fullmatch(phone):
        found = '<p class="warn" role="alert">手机号码应为以 1 开头的 11 位数字。</p>'
    elif not messages:
        found = "<p>这个号码还没有收到短信。</p>"
    else:
        items = "".join(
            f"<li><time>{html.escape(m['at'])}</time><p>{_linked(m['text'])}</p></li>"
            for m in reversed(messages)
        )
        found = f'<ol class="inbox">{items}</ol>'
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>短信模拟网关</title>
<style>body{{font:16px/1.6 system-ui,sans-serif;max-width:36rem;margin:1rem auto;padding:0 1rem}}
.inbox{{list-style:none;padding:0}}.inbox li{{border:1px solid #ccd;border-radius:8px;padding:.5rem 1rem;margin:.5rem 0;
overflow-wrap:anywhere}}
time{{color:#556;font-size:.9em}}.warn{{color:#8a1c1c;font-weight:bold}}input{{font-size:1.1em}}</style></head>
<body><h1>短信模拟网关</h1><p>演示和测试用：产品发出的短信都到这里，不会发到真实手机。</p>
<form method="get"><label for="phone">手机号码</label> <input id="phone" name="phone" inputmode="numeric"
 maxlength="11" value="{html.escape(phone)}" autofocus> <button type="submit">查看短信</button></form>
{found}</body></html>"""


def _linked(text: str) -> str:
    """The message's text with its web addresses made links, as a phone shows them."""
    escaped = html.escape(text)
    return re.sub(r"(https?://[^\s<]+)", r'<a href="\1">\1</a>', escaped)


class FakeSmsGateway(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), _Handler)
        self._messages: dict[str, list[dict]] = {}
        self._lock = threading.Lock()
        self._count = 0

    def keep(self, phone: str, text: str) -> int:
        with self._lock:
            self._count += 1
            at = time.strftime("%Y-%m-%d %H:%M:%S")  # the gateway's own wall clock, as a phone shows it
            self._messages.setdefault(phone, []).append({"id": self._count, "at": at, "text": text})
            return self._count

    def inbox(self, phone: str) -> list[dict]:
        with self._lock:
            return list(self._messages.get(phone, []))

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeSmsGateway:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
