"""Benchmark of the voter app's crypto in Chromium against the Python core, in the same run.

Run from the repository root (needs node/npm and /usr/bin/chromium; installs web/'s locked packages if needed)::

    uv run --frozen python bench/web_app.py            # 5 repeats
    uv run --frozen python bench/web_app.py --quick    # 1 repeat

Prints ONE JSON document on stdout: for the presidential ballot and the 2021 parliamentary ballot (party list of
1,156 selections + a district), the time to encrypt and prove the whole ballot (`web/core` `createBallot`, the
function the app's worker runs) in headless Chromium unthrottled and with 4× CPU throttling (DevTools
`Emulation.setCPUThrottlingRate`, as a mid-range phone), and the same work in Python (`crypto.contest.encrypt_contest`
per contest) as the baseline; and the gzipped size of the app's JavaScript (the first screen loads app.js; the
encryption worker is loaded when the voter encrypts).
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crypto.contest import encrypt_contest
from crypto.group import Point, Scalar
from elections.presets import build_preset
from tests.web.node import WEB, ensure_packages

SCHEMA = "shailoo-bench-web-app/1"
CHROMIUM = "/usr/bin/chromium"
JS_TIMING = """async ([contests, repeats]) => {
  const C = window.ShailooCore;
  const key = C.mulPublic(C.G, 123456789n);
  const cred = C.generateSigningKey();
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    C.createBallot({electionId: 'bench', styleId: 's', contests, jointKey: key, baseHash: new Uint8Array(32),
      credential: {...cred, msgPrefix: new Uint8Array(32), registrarSignature: new Uint8Array(384)}});
    times.push((performance.now() - t0) / 1000);
  }
  return times;
}"""


def shapes(preset: str) -> list[dict[str, Any]]:
    manifest = build_preset(preset)
    style = manifest.ballot_styles[0]
    out = []
    for contest_id in style.contest_ids:
        contest = manifest.contest(contest_id)
        selections = [0] * len(contest.selections)
        selections[0] = 1
        out.append({"contestId": contest_id, "selections": selections, "minMarks": 1, "maxMarks": 1})
    return out


def python_seconds(contests: list[dict[str, Any]], repeats: int) -> list[float]:
    key = Point.base_mul(Scalar(123456789))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for c in contests:
            encrypt_contest(bytes(32), key, c["selections"], c["minMarks"], c["maxMarks"])
        times.append(time.perf_counter() - t0)
    return times


def summary(times: list[float]) -> dict[str, float]:
    return {"median_s": round(statistics.median(times), 4), "min_s": round(min(times), 4), "runs": len(times)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeats = 1 if args.quick else 5
    ensure_packages()
    from playwright.sync_api import sync_playwright

    script = (WEB / "dist" / "cli" / "core-browser.js").read_text(encoding="utf-8")
    ballots = {"president": shapes("president"), "parliament-2021": shapes("parliament-2021")}
    results: dict[str, Any] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto("about:blank")
        page.add_script_tag(content=script)
        cdp = page.context.new_cdp_session(page)
        for name, contests in ballots.items():
            print(f"{name}: {sum(len(c['selections']) for c in contests)} selections", file=sys.stderr)
            row: dict[str, Any] = {"selections": sum(len(c["selections"]) for c in contests)}
            for rate in (1, 4):
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
                page.evaluate(JS_TIMING, [contests, 1])  # warm-up (JIT)
                row[f"chromium_cpu_x{rate}"] = summary(page.evaluate(JS_TIMING, [contests, repeats]))
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
            row["python_baseline"] = summary(python_seconds(contests, repeats))
            row["chromium_over_python"] = round(
                row["chromium_cpu_x1"]["median_s"] / row["python_baseline"]["median_s"], 2
            )
            results[name] = row
        browser.close()
    dist = WEB / "dist" / "app"
    sizes = {f.name: len(gzip.compress(f.read_bytes(), 9)) for f in sorted(dist.iterdir()) if f.suffix in (".js",)}
    first_screen = sizes["app.js"] + len(gzip.compress((dist / "app.css").read_bytes(), 9))
    doc = {
        "schema": SCHEMA,
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine()},
        "encrypt_and_prove": results,
        "javascript_gzip_bytes": sizes,
        "first_screen_gzip_bytes": first_screen,
        "targets": {
            "president_at_x4_le_1s": results["president"]["chromium_cpu_x4"]["median_s"] <= 1.0,
            "first_screen_le_200KB": first_screen <= 200_000,
        },
    }
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
