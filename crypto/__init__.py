"""Shailoo: crypto."""
