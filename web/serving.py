"""The app as each of ``audits web``'s worker processes builds it, from the environment.

uvicorn starts its workers as fresh processes (``--workers N``), and a fresh process cannot be
handed an app object: each imports :data:`APP_FACTORY` and calls it. Every worker inherits the
command's environment, so all build the same app: the same database, programme file, sign-in
settings and signing key (``audits web`` reads the key, creating its file if need be, before any
worker starts, so that no two workers race to create it).
"""

from __future__ import annotations

from fastapi import FastAPI

from config.secret import get_secret_key
from config.settings import get_settings, load_policy
from models.db import get_engine
from web.app import create_app

#: What uvicorn imports in each worker (``factory=True``: it calls it for the app).
APP_FACTORY = "web.serving:app_from_environment"


def app_from_environment() -> FastAPI:
    """The web app for the settings in the environment (``AUDITS_*``)."""
    return create_app(get_engine(), load_policy(), get_settings().web, get_secret_key())
