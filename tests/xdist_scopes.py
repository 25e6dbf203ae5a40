"""Under pytest-xdist (``--dist loadfile``), the test files that use a session-wide Prefect server
go to one worker, so that the server starts once rather than on every worker.

xdist hands out whole files; this makes the files of each server one unit. Which files use which
server only the workers know (they collect the tests and see each one's fixtures): each writes
``{file: server}`` into a folder the controller named, and the controller's scheduler reads it
when it splits the tests into units (after every worker has collected). xdist's own
``--dist loadgroup`` would do this with a mark, but cannot tag the tests on pytest 9.2.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

#: The fixtures of the session-wide servers, and the unit that the files using each become.
SERVERS = {"prefect_server": "prefect test harness", "prefect_api": "prefect server start"}
#: Where the workers write their findings: a folder the controller makes once.
FOLDER = pytest.StashKey[str]()
WORKER_INPUT = "audits_server_files"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """(Controller) Name the folder the workers write their findings in."""
    config = node.config
    if FOLDER not in config.stash:
        folder = config.stash[FOLDER] = tempfile.mkdtemp(prefix="audits-xdist-")
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    node.workerinput[WORKER_INPUT] = config.stash[FOLDER]


def record_server_files(config: pytest.Config, items: list[pytest.Item]) -> None:
    """(Worker, after collection) Write which test files use which server."""
    given: dict[str, Any] = getattr(config, "workerinput", {})  # set on xdist's workers only
    folder = given.get(WORKER_INPUT)
    if folder is None:
        return
    files = {
        item.nodeid.split("::", 1)[0]: unit
        for item in items
        for fixture, unit in SERVERS.items()
        if fixture in getattr(item, "fixturenames", ())
    }
    worker = given["workerid"]
    draft = Path(folder) / f".{worker}.json"
    draft.write_text(json.dumps(files), encoding="utf-8")
    draft.rename(Path(folder) / f"{worker}.json")  # whole or not at all


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """(Controller) For ``--dist loadfile``: a file's tests are one unit, and so are all the
    files that use one server."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class ServerFileScheduling(LoadFileScheduling):
        server_of: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.server_of is None:
                self.server_of = {}
                for found in Path(config.stash[FOLDER]).glob("gw*.json"):
                    self.server_of.update(json.loads(found.read_text(encoding="utf-8")))
            file = nodeid.split("::", 1)[0]
            return self.server_of.get(file, file)

    return ServerFileScheduling(config, log)
