"""The pages on a demo's database: the demo's own date under development sign-in, said on every
page; the real date (and no banner) with development sign-in off, whatever the file says."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from config.clock import real_today_in_london, today_in_london, write_demo_today
from config.web_settings import WebSettings
from tests.settings_env import SettingsEnv
from tests.web.live import app_client, serve, signed_in

DEMO_DAY = date(2026, 11, 20)  # a Friday, in the council's November cycle (due 30 November)
BANNER = "Today is Friday 20 November 2026 in this demo"


def _demo_database(web_engine: Engine, settings_env: SettingsEnv, dev_login: str | None) -> None:
    url = web_engine.url.render_as_string(hide_password=False)
    assert write_demo_today(url, DEMO_DAY) is not None
    settings_env(DATABASE_URL=url, DEV_LOGIN=dev_login)


def test_every_page_says_the_demos_date_under_development_sign_in(
    web_engine: Engine, settings_env: SettingsEnv, people: dict[str, str]
) -> None:
    _demo_database(web_engine, settings_env, "true")
    with serve(web_engine, clock=today_in_london) as url:
        assert BANNER in app_client(url).get("/sign-in").text
        aps = signed_in(url, people["aps"])
        for path in ("/my-audits", "/aps/requests", "/aps/dashboard", "/aps/pauses"):
            page = aps.get(path)
            assert page.status_code == 200, path
            assert 'id="demo-today"' in page.text and BANNER in page.text, path
        # The rules act on the demo's day too: the dashboard's figures are as of it.
        assert "Figures as of Friday 20 November 2026" in aps.get("/aps/dashboard").text


def test_with_development_sign_in_off_the_pages_use_the_real_date(
    web_engine: Engine, settings_env: SettingsEnv, people: dict[str, str]
) -> None:
    _demo_database(web_engine, settings_env, None)
    settings_env(AUTH_HEADER="X-Remote-User")
    settings = WebSettings(auth_header="X-Remote-User", secure_cookies=False)
    real = real_today_in_london()
    with serve(web_engine, settings, clock=today_in_london) as url:
        client = app_client(url)
        assert "in this demo" not in client.get("/sign-in").text
        email = _email_of(web_engine, people["aps"])
        page = client.get("/aps/dashboard", headers={"X-Remote-User": email})
        assert page.status_code == 200
        assert 'id="demo-today"' not in page.text and "in this demo" not in page.text
        assert f"Figures as of {real:%A} {real.day} {real:%B %Y}" in page.text


def _email_of(engine: Engine, staff_id: str) -> str:
    from sqlmodel import Session

    from models.people import Staff

    with Session(engine) as session:
        person = session.get(Staff, staff_id)
        assert person is not None
        return person.email
