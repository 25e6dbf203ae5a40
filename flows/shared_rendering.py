"""Rendering a chase's digests on two cores: most in this process, some in a waiting helper.

A chase run starts its sending helpers (``flows.outbox_helpers``) before it decides, so that
they have imported what they need by the time there is something to send; while it decides, they
wait, and rendering the digests (half of deciding: 2,000 digests took 1.0 s of a 2.0-2.4 s
decision, measured) ran on one core. So the run hands two fifths of them to its first helper
and renders the rest itself, in the same transaction as before: nothing about what is
recorded or sent changes, only which process turned the digests into HTML and text.

The helper is this project's own process, started by the run with a pipe each way: the digests
go to it and the rendered emails come back pickled, one line each way (``render <data>``, then
``rendered <data>``), before it is told to send. If the helper cannot answer (it has died, or it
says nothing for :data:`ANSWER_WITHIN` seconds), this process renders its share too: rendering is
pure, so the emails are the same either way. (Measured on 2,000 digests: rendering took 0.7 s
shared against 1.0 s here alone.)
"""

from __future__ import annotations

import base64
import logging
import pickle
import select
import subprocess
import threading
from collections.abc import Sequence
from typing import Any

from models.outbox_store import Outgoing
from notifications.digest import digest_outgoing
from notifications.messages import Digest

log = logging.getLogger(__name__)

#: Fewer digests than this are rendered here alone: the helper's share would save less than
#: sending it there and back costs.
SHARE_FROM = 200
#: The helper's share: a little under half, because it also reads the digests and writes the
#: emails back (a third as long again as rendering them, measured: at a half, the run waited
#: 0.3 s for it; at two fifths, 0.1-0.2 s).
HELPER_SHARE = 0.4
#: How long the run waits for the helper's half (2,000 digests take about 1 s).
ANSWER_WITHIN = 120.0

#: One digest to render: the recipient's staff id and their digest.
Job = tuple[str, Digest]


def render_here(jobs: Sequence[Job], programme_name: str) -> list[Outgoing]:
    """Each digest rendered, as the outbox writes it, in this process."""
    return [digest_outgoing(digest, staff_id, programme_name) for staff_id, digest in jobs]


def render_shared(
    jobs: Sequence[Job], programme_name: str, helper: subprocess.Popen[str] | None
) -> list[Outgoing]:
    """The digests rendered, in the order given: the first :data:`HELPER_SHARE` of them by
    ``helper`` (when there is one, and enough to share) while this process renders the rest."""
    if helper is None or len(jobs) < SHARE_FROM:
        return render_here(jobs, programme_name)
    split = int(len(jobs) * HELPER_SHARE)
    theirs, ours = jobs[:split], jobs[split:]
    request = threading.Thread(target=_ask, args=(helper, theirs, programme_name), daemon=True)
    request.start()  # (a thread: the pipe takes 64 KiB at a time, and the helper may still be
    # importing; meanwhile this process renders its own half)
    rendered_ours = render_here(ours, programme_name)
    request.join()
    rendered_theirs = _answer(helper, len(theirs))
    if rendered_theirs is None:
        log.warning("an outbox helper did not render its share of the digests: rendered here")
        rendered_theirs = render_here(theirs, programme_name)
    return rendered_theirs + rendered_ours


def _ask(helper: subprocess.Popen[str], jobs: Sequence[Job], programme_name: str) -> None:
    if helper.stdin is None:
        return
    try:
        helper.stdin.write(f"render {encode((list(jobs), programme_name))}\n")
        helper.stdin.flush()
    except (OSError, ValueError):  # it has ended (or its input is closed): _answer says so
        pass


def _answer(helper: subprocess.Popen[str], expected: int) -> list[Outgoing] | None:
    """The helper's rendered emails, or None when it cannot give them."""
    out = helper.stdout
    if out is None or helper.poll() is not None:
        return None
    ready, _, _ = select.select([out], [], [], ANSWER_WITHIN)
    if not ready:
        return None
    line = out.readline()
    if not line.startswith("rendered "):
        return None
    try:
        rendered = decode(line.removeprefix("rendered ").strip())
    except (ValueError, pickle.UnpicklingError, EOFError):
        return None
    if not isinstance(rendered, list) or len(rendered) != expected:
        return None
    return rendered


def answer_render(line: str) -> str:
    """The helper's side: the line it writes back for a ``render`` request line."""
    jobs, programme_name = decode(line.removeprefix("render ").strip())
    return f"rendered {encode(render_here(jobs, programme_name))}\n"


def encode(value: Any) -> str:
    return base64.b64encode(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)).decode("ascii")


def decode(text: str) -> Any:
    # Only ever from the run's own helper process (or the run itself), over its private pipe.
    return pickle.loads(base64.b64decode(text, validate=True))  # noqa: S301
