"""Shailoo: bulletin_board."""
