"""The observers' verifier: replay a board export through every numbered check (docs/observer.md).

``verify(source, options) -> Report``: ``source`` is an export file or the URL of a board export
(``http(s)://…``, fetched with httpx, streamed to a temporary file). Nothing from the server side is imported:
the verifier needs only the export and the pure packages (crypto, elections, bulletin_board).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from observer.board_export import BoardExport, load_export
from observer.checks import all_checks
from observer.context import OnProgress, VerificationContext, VerifyOptions
from observer.errors import CheckFailedError, CheckSkippedError, ExportUnreadableError, ObserverError
from observer.report import CheckResult, Report, Status

#: Where the voting server publishes the export (docs/observer.md); a bare server URL means this path.
BOARD_EXPORT_PATH = "/v1/board/export"


def export_url(url: str) -> str:
    """``url`` itself, or the board export path under it when ``url`` names only a server."""
    import httpx

    parsed = httpx.URL(url)
    return str(parsed.copy_with(path=BOARD_EXPORT_PATH)) if parsed.path in ("", "/") else url


def fetch_export(url: str, into: Path, on_progress: OnProgress | None = None) -> Path:
    """Download the export at ``url`` to the file ``into`` (streamed; ``on_progress`` told of each chunk as stage
    ``"download"``, of the announced length or 0)."""
    import httpx

    url = export_url(url)
    try:
        with httpx.stream("GET", url, timeout=60.0, follow_redirects=True) as response:
            response.raise_for_status()
            length = response.headers.get("content-length", "")
            total = int(length) if length.isdigit() else 0
            with into.open("wb") as f:
                for chunk in response.iter_bytes():
                    f.write(chunk)
                    if on_progress is not None:
                        on_progress("download", response.num_bytes_downloaded, total, "")
    except httpx.HTTPError as e:
        raise ExportUnreadableError(f"cannot fetch the export from {url}: {e}") from e
    return into


def run_checks(export: BoardExport, options: VerifyOptions | None = None) -> Report:
    """Every registered check on a loaded export, in number order."""
    ctx = VerificationContext(export, options or VerifyOptions())
    head = export.last_tree_head
    report = Report(
        export={
            "origin": export.origin,
            "size": export.size,
            "tree_head_root": head.root_hash.hex() if head else None,
            "fingerprint": export.fingerprint(),
        }
    )
    specs = all_checks()
    report_progress = ctx.options.on_progress
    for done, spec in enumerate(specs):
        if report_progress is not None:
            report_progress("checks", done, len(specs), f"check {spec.number}: {spec.name}")
        started = time.perf_counter()
        try:
            passed = spec.run(ctx)
            status, message, evidence = Status.PASS, passed.message, passed.evidence
        except CheckFailedError as e:
            status, message, evidence = Status.FAIL, e.message, e.evidence
        except CheckSkippedError as e:
            status, message, evidence = Status.SKIPPED, e.message, {}
        except ObserverError:  # the run itself cannot go on (a checkpoint of another export): stop, say why
            raise
        except Exception as e:  # a check that crashes on hostile input fails; it never passes silently
            status, message, evidence = Status.FAIL, f"{type(e).__name__}: {e}", {}
        report.checks.append(
            CheckResult(spec.number, spec.area, spec.name, status, message, evidence, time.perf_counter() - started)
        )
    if report_progress is not None:
        report_progress("checks", len(specs), len(specs), "checks")
    return report


def _load(path: Path, options: VerifyOptions) -> BoardExport:
    report = options.on_progress
    if report is None:
        return load_export(path)
    return load_export(path, lambda done, total: report("export", done, total, "reading the export"))


def verify(source: str | Path, options: VerifyOptions | None = None) -> Report:
    """Load the export at ``source`` (file or URL) and run every check; ``options.on_progress`` is told how far the
    download, the reading of the export, the checks and the ballots are."""
    options = options or VerifyOptions()
    text = str(source)
    if text.startswith(("http://", "https://")):
        with tempfile.TemporaryDirectory() as tmp:
            path = fetch_export(text, Path(tmp) / "export.jsonl", options.on_progress)
            return run_checks(_load(path, options), options)
    return run_checks(_load(Path(source), options), options)
