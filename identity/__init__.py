"""Shailoo: identity."""
