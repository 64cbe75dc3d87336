"""Simulators and fakes, outside the domains: what stands in for the world a real hall has.

- `history`: weeks of synthetic events for halls that never existed (`onevisit history generate`, the planning's
  and the metrics' tests and benchmarks);
- `legacy`: the legacy back ends the data ferry talks to, SOAP, REST and file exchange, over one `Ledger`
  (`onevisit legacy-sim`, `onevisit serve --with-ferry`; the ferry's `demo` adapter runs a ledger in-process);
- `fakeprinter`: a raw TCP listener that takes what a thermal printer would (`onevisit fake-printer`);
- `sms`: an SMS gateway whose page shows each phone's messages (`onevisit sms-gateway`, `serve --with-sms`);
- `oidc`: a province's identity provider (`onevisit oidc-provider`).

They may import the domains' pure rules; no domain imports them, except the commands that start them (import-linter
holds it, `pyproject.toml`).
"""
