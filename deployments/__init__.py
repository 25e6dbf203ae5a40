"""Prefect deployments: schedules and event triggers (see specs.py, serve.py, prefect.yaml)."""
