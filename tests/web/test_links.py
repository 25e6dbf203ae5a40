"""Signed links from emails: they read back, and forged, expired, unknown and replayed links are
refused; the signing secret refuses placeholders and its key file is private and kept."""

from __future__ import annotations

import base64
import json
import re
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from config.secret import SecretKeyError, get_secret_key
from config.signed_links import (
    AUDIENCE,
    PURPOSES,
    LinkClaims,
    LinkError,
    check_holder,
    make_link,
    make_token,
    read_token,
    target_path,
)
from models.db import session_scope
from models.link_store import consume
from models.links import UsedLink
from tests.settings_env import SettingsEnv

SECRET = "k3Y-for-tests-only-9f8e7d6c5b4a39281706f5e4d3c2b1a0-Zq8Wv7Ut6Sr5Qp4On3Ml2"
NOW = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
DAY = timedelta(days=1)
_TOKEN = re.compile(r"/links/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


def tokens_in(text: str) -> list[str]:
    """The tokens of every ``/links/...`` URL in ``text``, in order."""
    return _TOKEN.findall(text)


def token(purpose: str = "extension-request", subject: int = 12, staff: str = "TM001") -> str:
    return make_token(purpose, subject, staff, NOW, DAY, SECRET)


def refused(token: str, now: datetime = NOW, secret: str = SECRET) -> str:
    with pytest.raises(LinkError) as caught:
        read_token(token, now, secret)
    assert str(caught.value)  # a readable message, not just a code
    return caught.value.reason


def payload(token: str) -> dict[str, object]:
    part = token.split(".")[1]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def encode_segment(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# --- round trip -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("purpose", "path"),
    [
        ("extension-request", "/audits/12/extension"),
        ("exemption-request", "/audits/12/exemption"),
        ("decide-extension", "/requests/extension/12"),
        ("decide-exemption", "/requests/exemption/12"),
        ("action-done", "/actions/12/done"),
    ],
)
def test_a_link_reads_back_and_opens_its_page(purpose: str, path: str) -> None:
    link = make_link("https://audits.example/", purpose, 12, "TM001", NOW, DAY, SECRET)
    assert link.startswith("https://audits.example/links/")
    [found] = tokens_in(link)
    claims = read_token(found, NOW + DAY - timedelta(seconds=1), SECRET)
    assert (claims.purpose, claims.subject_id, claims.staff_id) == (purpose, 12, "TM001")
    assert claims.expires_at == NOW + DAY
    assert target_path(claims) == path


def test_every_link_has_its_own_id() -> None:
    assert read_token(token(), NOW, SECRET).jti != read_token(token(), NOW, SECRET).jti


def test_a_link_cannot_be_made_for_no_purpose_no_time_or_a_naive_moment() -> None:
    with pytest.raises(ValueError, match="purpose"):
        make_token("delete-audit", 12, "TM001", NOW, DAY, SECRET)
    with pytest.raises(ValueError, match="some time"):
        make_token("extension-request", 12, "TM001", NOW, timedelta(0), SECRET)
    with pytest.raises(ValueError, match="timezone-aware"):
        make_token("extension-request", 12, "TM001", datetime(2026, 11, 2), DAY, SECRET)


def test_a_link_is_for_the_person_it_was_sent_to() -> None:
    claims = read_token(token(staff="TM001"), NOW, SECRET)
    check_holder(claims, "TM001")
    with pytest.raises(LinkError) as caught:
        check_holder(claims, "TM002")
    assert caught.value.reason == "not yours"


# --- forged ---------------------------------------------------------------------------------


def test_a_changed_payload_is_forged() -> None:
    header, body, signature = token(subject=12).split(".")
    changed = {**payload(token()), "sub": "13"}
    assert refused(f"{header}.{encode_segment(changed)}.{signature}") == "forged"
    # The same token untouched reads back, so it is the change that is refused.
    assert read_token(f"{header}.{body}.{signature}", NOW, SECRET).subject_id == 12


def test_a_link_signed_with_another_key_is_forged() -> None:
    other = make_token("extension-request", 12, "TM001", NOW, DAY, SECRET[::-1])
    assert refused(other) == "forged"
    assert read_token(other, NOW, SECRET[::-1]).subject_id == 12


def test_an_unsigned_link_is_forged() -> None:
    claims = payload(token())
    unsigned = f"{encode_segment({'alg': 'none', 'typ': 'JWT'})}.{encode_segment(claims)}."
    assert refused(unsigned) == "forged"
    assert refused(jwt.encode(claims, "", algorithm="none")) == "forged"


def test_another_algorithm_with_the_same_key_is_forged() -> None:
    assert refused(jwt.encode(payload(token()), SECRET, algorithm="HS512")) == "forged"


@pytest.mark.parametrize(
    "changes",
    [
        {"aud": "notify"},  # another service's token signed with the same key
        {"aud": None},  # a session token: no audience at all
        {"jti": None},
        {"staff": None},
        {"sub": "twelve"},
        {"sub": 12},
        {"staff": ["TM001"]},
    ],
)
def test_a_token_not_made_as_a_link_is_forged(changes: dict[str, object]) -> None:
    claims = {**payload(token()), **changes}
    claims = {name: value for name, value in claims.items() if value is not None}
    assert refused(jwt.encode(claims, SECRET, algorithm="HS256")) == "forged"


@pytest.mark.parametrize("garbage", ["", "not-a-token", "a.b.c", "é.é.é"])
def test_garbage_is_forged(garbage: str) -> None:
    assert refused(garbage) == "forged"


def test_a_purpose_we_do_not_have_is_refused() -> None:
    claims = {**payload(token()), "purpose": "delete-audit"}
    assert "delete-audit" not in PURPOSES
    assert refused(jwt.encode(claims, SECRET, algorithm="HS256")) == "unknown purpose"


# --- expired ----------------------------------------------------------------------------------


def test_a_link_expires_at_its_time() -> None:
    made = token()
    assert read_token(made, NOW + DAY - timedelta(seconds=1), SECRET).subject_id == 12
    assert refused(made, now=NOW + DAY) == "expired"
    assert refused(made, now=NOW + 30 * DAY) == "expired"


def test_expiry_is_judged_by_the_given_moment_not_the_clock() -> None:
    # Made and read long ago: by the machine's clock it has expired, by ``now`` it has not.
    then = datetime(2020, 1, 1, tzinfo=UTC)
    old = make_token("decide-exemption", 3, "APS01", then, DAY, SECRET)
    assert read_token(old, then + timedelta(hours=1), SECRET).purpose == "decide-exemption"


# --- replayed ---------------------------------------------------------------------------------


def used_links(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.execute(select(func.count()).select_from(UsedLink)).scalar_one())


def check_single_use(engine: Engine) -> None:
    claims = read_token(token(purpose="decide-extension", staff="APS01"), NOW, SECRET)
    with session_scope(engine) as session:
        consume(session, claims, NOW)
    with pytest.raises(LinkError) as caught, session_scope(engine) as session:
        consume(session, claims, NOW + timedelta(minutes=1))
    assert caught.value.reason == "used"
    assert str(caught.value) == "This link has already been used."
    with session_scope(engine) as session:
        row = session.get(UsedLink, claims.jti)
        assert row is not None
        assert (row.staff_id, row.purpose, row.used_at) == ("APS01", "decide-extension", NOW)
    # Another link for the very same thing is a link of its own.
    with session_scope(engine) as session:
        consume(session, read_token(token(purpose="decide-extension"), NOW, SECRET), NOW)
    assert used_links(engine) == 2


def check_racing_uses(engine: Engine, racers: int = 8) -> None:
    """Many requests with one link at once: exactly one gets through."""
    claims = LinkClaims("extension-request", 5, "TM001", "race-jti", NOW + DAY)
    start, outcomes = threading.Barrier(racers), []

    def follow() -> None:
        start.wait()
        try:
            with session_scope(engine, write_lock=True) as session:
                consume(session, claims, NOW)
            outcomes.append("ok")
        except LinkError as error:
            outcomes.append(error.reason)

    threads = [threading.Thread(target=follow) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] + ["used"] * (racers - 1)


def test_a_link_is_used_once(engine: Engine) -> None:
    check_single_use(engine)
    check_racing_uses(engine)


@pytest.mark.postgres
def test_a_link_is_used_once_on_postgres(pg_engine: Engine) -> None:
    check_single_use(pg_engine)
    check_racing_uses(pg_engine)


# --- the secret -------------------------------------------------------------------------------


@pytest.fixture
def fresh_secret(settings_env: SettingsEnv, tmp_path: Path) -> Path:
    """No key in the environment, a key file path in ``tmp_path``, an empty cache."""
    key_file = tmp_path / "deep" / "var" / "secret.key"
    settings_env(SECRET_KEY=None, SECRET_KEY_FILE=str(key_file))
    return key_file


@pytest.mark.parametrize(
    "placeholder",
    [
        "changethis",
        "changeme",
        "secret",
        "password",
        "",
        "short-but-random-Xy7",
        "changethis-changethis-changethis-changethis",
        "my-super-secret-signing-key-for-production",
        "a" * 64,
    ],
)
def test_a_placeholder_secret_is_refused(
    fresh_secret: Path, settings_env: SettingsEnv, placeholder: str
) -> None:
    settings_env(SECRET_KEY=placeholder)
    with pytest.raises(SecretKeyError, match="AUDITS_SECRET_KEY"):
        get_secret_key()
    assert not fresh_secret.exists()  # a bad key is an error, never a cue to make another


def test_a_real_secret_is_used_as_given(fresh_secret: Path, settings_env: SettingsEnv) -> None:
    settings_env(SECRET_KEY=f"  {SECRET}\n")
    assert get_secret_key() == SECRET
    assert not fresh_secret.exists()


def test_without_a_secret_a_private_key_file_is_made_once(
    fresh_secret: Path, settings_env: SettingsEnv
) -> None:
    key = get_secret_key()
    assert len(key) >= 64 and fresh_secret.read_text().strip() == key
    assert stat.S_IMODE(fresh_secret.stat().st_mode) == 0o600
    assert [p.name for p in fresh_secret.parent.iterdir()] == ["secret.key"]  # no draft left
    settings_env()  # as a new process would
    assert get_secret_key() == key  # read back, not made again
    # Links signed before a restart still read after it.
    made = make_token("extension-request", 1, "TM001", NOW, DAY, key)
    settings_env()
    assert read_token(made, NOW, get_secret_key()).subject_id == 1


def test_a_placeholder_in_the_key_file_is_refused(fresh_secret: Path) -> None:
    fresh_secret.parent.mkdir(parents=True)
    fresh_secret.write_text("changeme\n")
    with pytest.raises(SecretKeyError, match=re.escape(str(fresh_secret))):
        get_secret_key()


def test_an_unusable_key_file_is_named(
    fresh_secret: Path, settings_env: SettingsEnv, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings_env(SECRET_KEY_FILE=str(blocker / "secret.key"))
    with pytest.raises(SecretKeyError, match="AUDITS_SECRET_KEY_FILE"):
        get_secret_key()


def test_the_audience_is_our_own() -> None:
    assert payload(token())["aud"] == AUDIENCE == "case-audits-link"
