"""``audits web``: the web pages for auditors and the APS team, served by uvicorn."""

from __future__ import annotations

import argparse
from typing import Any

from audits import common
from audits.arg_types import port
from config.settings import get_settings, load_policy


def add_parser(sub: Any) -> None:
    web = sub.add_parser(
        "web",
        help="serve the web pages (my audits, requests, the APS decision queue, the dashboard)",
        description="Serve the web pages. Sign-in is by a single sign-on proxy's header "
        "(AUDITS_AUTH_HEADER, from AUDITS_TRUSTED_PROXIES) or, on a development machine, by "
        "choosing a member of staff (AUDITS_DEV_LOGIN=true).",
    )
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    web.add_argument("--port", type=port, default=8000, help="port to listen on (default 8000)")


def cmd_web(args: argparse.Namespace) -> int:
    import uvicorn

    from config.secret import SecretKeyError, get_secret_key
    from config.web_settings import WebSettingsError
    from web.app import create_app

    engine = common.ready_engine()
    try:
        app = create_app(engine, load_policy(), get_settings().web, get_secret_key())
    except (WebSettingsError, SecretKeyError) as error:
        raise common.CommandError(str(error)) from None
    print(f"Serving the web pages at http://{args.host}:{args.port}/ (Ctrl-C stops)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", proxy_headers=False)
    return 0
