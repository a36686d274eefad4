"""Shailoo: voting_server."""
