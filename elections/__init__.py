"""Shailoo: elections."""
