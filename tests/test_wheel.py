"""The wheel works on its own: built from the project, installed in a fresh virtual environment,
and run from a folder outside the repository, the ``audits`` command initialises a database,
imports, allocates (invitations to the outbox), compiles the report and serves a page styled by
GOV.UK Frontend: templates, the programme defaults and the assets all come from the installed
package. Everything it writes lands in the data folder (``./var`` where it runs), nothing in the
package.

Offline: the wheel is built with this environment's setuptools (no build isolation) and installed
without its dependencies; a ``.pth`` line makes this environment's packages importable in the new
one. A plain path line does not run that folder's own ``.pth`` files, so the repository's editable
install stays invisible there, which the test checks."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.flows.smtp_server import free_port
from tests.prefect_server import ctrl_c_works, prefect_server

REPO = Path(__file__).resolve().parents[1]
MONTH = "2026-11"
#: The name config/programme.toml gives the programme.
PROGRAMME_NAME = "Monthly case audit programme"


def clean_env() -> dict[str, str]:
    """This environment less what would point a command back at the repository."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    env = env or clean_env()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{argv} exited {done.returncode}:\n{done.stderr[-4000:]}"
    return done.stdout


def build_wheel(tmp: Path) -> Path:
    """The wheel, built from a copy of the project's files (so nothing is written in it)."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO)
    source = tmp / "source"
    for name in filter(None, listed.split("\0")):
        if (REPO / name).is_file():  # a file deleted but not yet committed is still listed
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "wheel", str(source), "--no-deps", "--no-build-isolation", "-q", "-w", "dist"], tmp)
    [wheel] = (tmp / "dist").glob("case_audits-*.whl")
    return wheel


def fresh_venv(tmp: Path, wheel: Path) -> tuple[Path, Path]:
    """A new virtual environment with the wheel installed: its bin folder and site-packages."""
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", str(python)]
    run([*pip, "install", "--no-deps", "--no-index", "-q", str(wheel)], tmp)
    site = Path(
        run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp
        ).strip()
    )
    (site / "project-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return venv / "bin", site


def operator_env(tmp: Path, prefect_api: str) -> dict[str, str]:
    """An operator's shell: none of the tests' AUDITS_* settings (so every default is in play),
    a Prefect server to run the flows on, no bytecode written anywhere."""
    env = {
        k: v
        for k, v in clean_env().items()
        if not k.startswith(("AUDITS_", "PREFECT_API_URL", "PREFECT_HOME", "PREFECT_PROFILE"))
    }
    env.update(
        PREFECT_API_URL=prefect_api,
        PREFECT_HOME=str(tmp / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def snapshot(folder: Path) -> set[tuple[str, int, int]]:
    return {
        (str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
    }


@pytest.fixture
def prefect_api() -> Iterator[str]:
    """One Prefect server for the allocation and the report: without one, each command starts
    an ephemeral server of its own, which takes most of a minute on a busy machine."""
    with prefect_server() as api_url:
        yield api_url


@pytest.fixture
def web_process() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Holds the ``audits web`` process the test starts, and stops it however the test ends."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def serve_and_fetch(
    audits: Path, work: Path, env: dict[str, str], started: list[subprocess.Popen[bytes]]
) -> None:
    """``audits web`` with development sign-in: the sign-in page, its CSS and a font."""
    port = free_port()
    with open(work / "web.log", "wb") as log:
        process = subprocess.Popen(
            [str(audits), "web", "--port", str(port)],
            cwd=work,
            env={**env, "AUDITS_DEV_LOGIN": "true"},
            preexec_fn=ctrl_c_works,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    started.append(process)
    base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 90
    while True:
        assert process.poll() is None, (work / "web.log").read_text()
        try:
            page = httpx.get(f"{base}/sign-in", timeout=5)
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "audits web did not answer in 90 s"
            time.sleep(0.5)
    assert page.status_code == 200 and "Development sign-in" in page.text
    assert 'href="/static/govuk-frontend.min.css"' in page.text
    css = httpx.get(f"{base}/static/govuk-frontend.min.css", timeout=10)
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ".govuk-header" in css.text and "/assets/fonts/bold-b542beb274-v2.woff2" in css.text
    font = httpx.get(f"{base}/assets/fonts/bold-b542beb274-v2.woff2", timeout=10)
    assert font.status_code == 200 and font.content.startswith(b"wOF2")
    script = httpx.get(f"{base}/static/govuk-frontend.min.js", timeout=10)
    assert script.status_code == 200 and "initAll" in script.text


@pytest.mark.prefect
def test_the_installed_wheel_runs_the_programme_outside_the_repository(
    tmp_path: Path, prefect_api: str, web_process: list[subprocess.Popen[bytes]]
) -> None:
    wheel = build_wheel(tmp_path)
    bin_dir, site = fresh_venv(tmp_path, wheel)
    work = tmp_path / "council"
    work.mkdir()
    env = operator_env(tmp_path, prefect_api)
    code = "import audits, models, templates, web; print(audits.__file__, models.__file__, "
    code += "templates.__file__, web.__file__)"
    where = run([str(bin_dir / "python"), "-c", code], work, env).split()
    assert len(where) == 4 and all(Path(path).is_relative_to(site) for path in where), where
    before = snapshot(site)
    audits = bin_dir / "audits"
    for name in ("staff.csv", "cases.csv"):
        shutil.copy(REPO / "examples" / name, work / name)

    assert "var/audits.db" in run([str(audits), "init"], work, env)
    assert run([str(audits), "import", "staff", "staff.csv"], work, env).startswith("Imported")
    assert run([str(audits), "import", "cases", "cases.csv"], work, env).startswith("Imported")
    allocated = json.loads(run([str(audits), "allocate", "--month", MONTH, "--json"], work, env))
    outbox = work / "var" / "outbox"
    invitations = len(list(outbox.glob("*.eml")))
    assert allocated and invitations >= len({audit["auditor_id"] for audit in allocated})
    run([str(audits), "report", "--month", MONTH, "--out", "report"], work, env)
    serve_and_fetch(audits, work, env, web_process)

    assert (work / "var" / "audits.db").is_file() and (work / "var" / "secret.key").is_file()
    html = (work / "report" / f"highlight-report-{MONTH}.html").read_text(encoding="utf-8")
    assert PROGRAMME_NAME in html  # the packaged programme file, AUDITS_PROGRAMME being unset
    assert (work / "report" / f"highlight-report-{MONTH}.pdf").read_bytes().startswith(b"%PDF")
    assert snapshot(site) == before  # nothing written inside the installed package
