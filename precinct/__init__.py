"""Shailoo: precinct."""
