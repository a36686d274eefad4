"""Shailoo: trustees."""
