"""Shailoo: mobile_api."""
