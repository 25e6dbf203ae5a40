"""``audits complete --tag`` (repeatable), the tags in ``audits complete --json`` and ``audits
show --json``; an unknown tag refused in one line with nothing changed; ``--tag`` fuzzed."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from audits.cli import build_parser
from audits.common import CommandError
from audits.tag_flags import with_tags
from rules.completion import CompletionDetails
from rules.policy import DEFAULT_FINDING_TAGS, Policy
from tests.audits.cli_support import refused_unchanged
from tests.audits.test_email_cli import run

COMPLETE = ("complete", "1", "--on", "2026-11-20", "--judgement", "inadequate")
WATCHED = ("SELECT * FROM audit ORDER BY id", "SELECT * FROM finding_tag")


def test_tags_are_recorded_in_the_programme_files_order(db: Path) -> None:
    tags = ("--tag", "Drift_And_Delay", "--tag", "supervision", "--tag", " supervision ")
    result = run(db, *COMPLETE, *tags, "--json")
    assert result.returncode == 0, result.stderr
    # Read as written any case, without spaces or repeats, in [findings.tags]'s order.
    assert json.loads(result.stdout)["tags"] == ["supervision", "drift_and_delay"]
    shown = run(db, "show", "1", "--json")
    assert json.loads(shown.stdout)["tags"] == ["drift_and_delay", "supervision"]
    assert "recurring findings: drift_and_delay, supervision" in run(db, "show", "1").stdout


def test_a_completion_without_tags_has_none(db: Path) -> None:
    result = run(db, *COMPLETE, "--json")
    assert json.loads(result.stdout)["tags"] == []
    assert json.loads(run(db, "show", "1", "--json").stdout)["tags"] == []
    assert json.loads(run(db, "show", "2", "--json").stdout)["tags"] == []  # not completed


def test_an_unknown_tag_is_refused_and_nothing_changes(db: Path) -> None:
    line = refused_unchanged(db, WATCHED, *COMPLETE, "--tag", "supervision", "--tag", "gardening")
    assert line.startswith("audits: error: unknown finding tag 'gardening' (one of supervision")


@settings(max_examples=200, deadline=None)
@given(
    tags=st.lists(st.text(max_size=24) | st.sampled_from(list(DEFAULT_FINDING_TAGS)), max_size=4)
)
def test_any_tag_is_taken_as_a_known_one_or_refused_in_one_line(tags: list[str]) -> None:
    argv = [part for tag in tags for part in ("--tag", tag)]
    try:
        args = build_parser().parse_args([*COMPLETE, *argv])
    except SystemExit:  # argparse's own refusal (a value starting with "-"): one line, exit 2
        return
    try:
        details = with_tags(CompletionDetails(), args, Policy())
    except CommandError as error:
        assert "\n" not in str(error) and str(error).startswith("unknown finding tag ")
        assert len(str(error)) < 300  # a long value is cut short
        return
    assert set(details.tags) <= set(DEFAULT_FINDING_TAGS)
    assert set(details.tags) == {t.strip().lower() for t in tags if t.strip()}
