"""The observer dashboard on the server's live board, at ``/observe`` (pages: `observer.dashboard.app`).

The voting server mounts it with ``app.include_router(build_dashboard_router(components.board))``; the same
pages serve an offline export through ``shailoo observe EXPORT``. Read-only and public, like the board API.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter

from bulletin_board.log import BulletinBoard
from observer.dashboard.app import build_dashboard_router as _observer_pages
from observer.dashboard.readers import LogReader

DASHBOARD_PATH: Final = "/observe"


def build_dashboard_router(board: BulletinBoard, *, base: str = DASHBOARD_PATH) -> APIRouter:
    """The dashboard's pages over ``board`` (what its latest signed tree head covers), mounted at ``base``."""
    return _observer_pages(LogReader(board), base=base)
