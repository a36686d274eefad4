"""Shailoo precinct devices: counting urns and kiosks feeding the same board and tally (docs/precinct.md).

* `precinct.devices` — device keys, key files, registration on the board (``device_key``);
* `precinct.scanner` — the scanner's record format (docs/spec/scanner_record.md) and the paper rules on a sheet;
* `precinct.urn` — `CountingUrn`: sheets → encrypted ballots → signed, chained batches → protocol;
* `precinct.kiosk` — `Kiosk`: the voter client in kiosk mode, with an offline queue; `precinct.kiosk_web` its screen;
* `precinct.outbox` — a device's durable queue (SQLite) with idempotent sync; `precinct.link` how it reaches the server;
* `precinct.service` / `precinct.server_api` — the server side: accept batches and protocols (``/v1/precinct``);
* `precinct.printing` — the printed protocol (text, PDF) and the voter's receipt (PDF with a QR code).

The records themselves (batches, protocols, encrypted paper ballots, chain rule, reconciliation) are pure code in
`record.precinct`, shared with the trustees and the observers' verifier.
"""
