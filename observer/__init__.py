"""Shailoo: observer."""
