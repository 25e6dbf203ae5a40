"""``audits web``: the web pages for auditors and the APS team, served by uvicorn.

Served by several worker processes (``--workers``; by default ``AUDITS_WEB_WORKERS``, else one
per core of the machine): uvicorn's own supervisor starts them, each builds the app from the
environment (``web.serving``), and all accept connections on the one socket. A Python process
runs its pages one at a time (the GIL), so one process uses one core however many are busy.
"""

from __future__ import annotations

import argparse
import os
import socket
from collections.abc import Mapping
from typing import Any

from audits import common
from audits.arg_types import port
from config.settings import get_settings, load_policy
from rules.values import InputError, parse_whole_number

WORKERS_SETTING = "AUDITS_WEB_WORKERS"
#: More would only queue on the cores (and each worker holds its own database connections).
MAX_WORKERS = 64


def machine_cores() -> int:
    """The cores this process may run on (a container's limit, where the OS tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _worker_count(text: str) -> int:
    return parse_whole_number(text, minimum=1, maximum=MAX_WORKERS)


def _workers_flag(text: str) -> int:
    try:
        return _worker_count(text)
    except InputError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def default_workers(environ: Mapping[str, str] = os.environ) -> int:
    """``AUDITS_WEB_WORKERS`` when set, else the machine's cores (at most MAX_WORKERS)."""
    text = environ.get(WORKERS_SETTING, "").strip()
    if not text:
        return min(machine_cores(), MAX_WORKERS)
    try:
        return _worker_count(text)
    except InputError as error:
        raise common.CommandError(f"{WORKERS_SETTING}: {error}") from None


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
    web.add_argument(
        "--workers",
        type=_workers_flag,
        metavar="N",
        help=f"worker processes, 1 to {MAX_WORKERS} (default {WORKERS_SETTING}, else one per "
        "core of the machine)",
    )


def cmd_web(args: argparse.Namespace) -> int:
    from config.secret import SecretKeyError, get_secret_key
    from config.web_settings import WebSettingsError
    from web.app import create_app

    workers = args.workers or default_workers()
    engine = common.ready_engine()
    try:
        # Built here once so that a setting's mistake is one line before any worker starts,
        # and the signing key's file exists before the workers read it.
        create_app(engine, load_policy(), get_settings().web, get_secret_key())
    except (WebSettingsError, SecretKeyError) as error:
        raise common.CommandError(str(error)) from None
    engine.dispose()  # the workers open their own connections
    print(
        f"Serving the web pages at http://{args.host}:{args.port}/ with {workers} worker "
        f"process{'es' if workers > 1 else ''} (Ctrl-C stops)",
        flush=True,
    )
    options = {"host": args.host, "port": args.port, "log_level": "warning"}
    run_server(workers, {**options, "factory": True, "proxy_headers": False})
    return 0


def run_server(workers: int, options: dict[str, Any]) -> None:
    """``uvicorn.run`` of the app's factory, but with the workers' shared socket marked as TCP.

    With more than one worker uvicorn binds the socket itself and hands it to the workers with
    its protocol number left at 0; asyncio then never sets TCP_NODELAY on their connections,
    and every answer on a kept-alive connection waits for the client's delayed ACK: 40 to 50 ms
    a page on Linux (uvicorn issue #3149, open). Wrapped again as IPPROTO_TCP, it is the same
    socket. One worker is uvicorn.run's own path: asyncio binds that socket, as TCP."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from web.serving import APP_FACTORY

    if workers == 1:
        uvicorn.run(APP_FACTORY, **options)
        return
    config = uvicorn.Config(APP_FACTORY, workers=workers, **options)
    bound = config.bind_socket()
    tcp = socket.socket(bound.family, socket.SOCK_STREAM, socket.IPPROTO_TCP, bound.detach())
    Multiprocess(config, sockets=[tcp]).run()
