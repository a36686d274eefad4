"""Shailoo command-line interface (the top layer)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("shailoo")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0+unknown"
