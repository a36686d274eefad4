"""The observer dashboard (docs/observer.md, "Dashboard"): `build_dashboard_router`, `create_dashboard_app`."""
