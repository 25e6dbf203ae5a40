"""Prefect flows: thin orchestration of load, rule, write, notify."""
