"""A province's identity provider (统一身份认证) for tests and the demo: oidc-provider-mock's OpenID Connect server.

oidc-provider-mock is a development dependency: it is imported only when this is run (`onevisit oidc-provider`)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable


def users_from_json(texts: Iterable[str]) -> list:
    """`{"sub": "...", ...claims}` objects as the provider's predefined users."""
    from oidc_provider_mock import User

    found = []
    for text in texts:
        claims = json.loads(text)
        if not isinstance(claims, dict) or not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise ValueError('each user is a JSON object with a "sub"')
        sub = claims.pop("sub")
        found.append(User(sub=sub, claims=claims))
    return found


def serve(host: str, port: int, users: list, ready: Callable[[str], None]) -> None:
    """Serve until interrupted; `ready` gets the issuer address once the port listens."""
    import oidc_provider_mock
    import werkzeug.serving

    os.environ.update(AUTHLIB_INSECURE_TRANSPORT="1")  # plain http on loopback: tests and the demo only
    app = oidc_provider_mock.app(require_nonce=True, user_claims=users)
    server = werkzeug.serving.make_server(host, port, app, threaded=True)
    ready(f"http://{host}:{server.server_port}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
