"""Issue 16, hole 12: every page sends a Content-Security-Policy whose nonce its inline scripts carry."""

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/login/", "/book/demo/", "/board/demo/", "/notice/", "/t/nothing/"])
def test_every_page_sends_a_content_security_policy(client, hall, path):
    answer = client.get(path)
    policy = answer["Content-Security-Policy"]
    assert (
        "default-src 'self'" in policy
        and "object-src 'none'" in policy
        and "frame-ancestors 'none'" in policy
    )
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    html = answer.content.decode()
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert all(f'nonce="{nonce}"' in attrs or "application/json" in attrs for attrs in scripts), scripts
    assert 'href="javascript:' not in html


def test_the_htmx_configuration_passes_the_nonce_and_adds_no_style(clerk_client):
    answer = clerk_client.get("/window/w1/")
    nonce = re.search(r"'nonce-([^']+)'", answer["Content-Security-Policy"]).group(1)
    html = answer.content.decode()
    assert f'"inlineScriptNonce":"{nonce}"' in html and '"includeIndicatorStyles":false' in html
