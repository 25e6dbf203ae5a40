"""Sign-in: the single sign-on proxy's header (only from trusted proxies), development sign-in
(only when turned on), and the signed links that emails carry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from config.signed_links import make_link
from config.web_settings import WebSettings, WebSettingsError
from models.people import Staff
from tests.web.live import SECRET, app_client, csrf_of, serve, signed_in
from web.app import create_app


def _email(engine, staff_id: str) -> str:
    with Session(engine) as session:
        person = session.get(Staff, staff_id)
        assert person is not None
        return person.email


def test_proxy_header_signs_in_by_email(web_engine, people) -> None:
    settings = WebSettings(auth_header="X-Remote-User", secure_cookies=False)
    email = _email(web_engine, people["aps"])
    with serve(web_engine, settings) as url, app_client(url) as client:
        page = client.get("/aps/requests", headers={"X-Remote-User": email.upper()})
        assert page.status_code == 200 and people["aps"] in page.text
        assert client.get("/aps/requests").status_code == 303  # no header, nobody
        unknown = client.get("/my-audits", headers={"X-Remote-User": "nobody@example.org"})
        assert unknown.status_code == 303
        # Development sign-in is off: the list is not offered and posting to it does nothing.
        sign_in = client.get("/sign-in")
        assert "single sign-on" in sign_in.text and "Development sign-in" not in sign_in.text
        token = csrf_of(client.get("/sign-in", headers={"X-Remote-User": email}).text)
        refused = client.post(
            "/sign-in", data={"staff_id": people["aps"], "csrf_token": token, "next": "/"}
        )
        assert refused.status_code == 404
        assert client.get("/aps/requests").status_code == 303


def test_proxy_header_from_an_untrusted_address_is_ignored(web_engine, people) -> None:
    settings = WebSettings(
        auth_header="X-Remote-User", trusted_proxies="10.0.0.0/8", secure_cookies=False
    )
    email = _email(web_engine, people["aps"])
    with serve(web_engine, settings) as url, app_client(url) as client:
        assert client.get("/aps/requests", headers={"X-Remote-User": email}).status_code == 303


def test_proxy_header_by_staff_id_and_a_leaver_is_refused(web_engine, people) -> None:
    settings = WebSettings(
        auth_header="X-Remote-User", auth_header_matches="staff_id", secure_cookies=False
    )
    with serve(web_engine, settings) as url, app_client(url) as client:
        headers = {"X-Remote-User": people["auditor"]}
        assert client.get("/my-audits", headers=headers).status_code == 200
        with Session(web_engine) as session:
            person = session.get(Staff, people["auditor"])
            assert person is not None
            person.active = False
            session.add(person)
            session.commit()
        assert client.get("/my-audits", headers=headers).status_code == 303


def test_no_sign_in_configured_refuses_to_start(web_engine) -> None:
    from tests.flows.council import POLICY

    with pytest.raises(WebSettingsError, match="AUDITS_DEV_LOGIN"):
        create_app(web_engine, POLICY, WebSettings(), SECRET)


def test_sign_in_goes_back_where_it_was_asked_and_nowhere_else(base_url, people) -> None:
    client = app_client(base_url)
    asked = client.get(f"/audits/{people['audit']}")
    assert asked.status_code == 303
    assert asked.headers["location"] == f"/sign-in?next=/audits/{people['audit']}"
    form = client.get(asked.headers["location"]).text
    assert f'name="next" value="/audits/{people["audit"]}"' in form
    for target, lands in [
        (f"/audits/{people['audit']}", f"/audits/{people['audit']}"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
    ]:
        token = csrf_of(client.get("/sign-in").text)
        response = client.post(
            "/sign-in", data={"staff_id": people["auditor"], "next": target, "csrf_token": token}
        )
        assert response.headers["location"] == lands


def test_dev_sign_in_refuses_an_unknown_person(base_url) -> None:
    client = app_client(base_url)
    token = csrf_of(client.get("/sign-in").text)
    response = client.post("/sign-in", data={"staff_id": "NOPE", "next": "/", "csrf_token": token})
    assert response.status_code == 400 and 'class="govuk-error-summary"' in response.text
    assert client.get("/my-audits").status_code == 303


def _link(purpose: str, subject: str, staff_id: str, *, made: datetime | None = None,
          ttl: timedelta = timedelta(days=30), secret: str = SECRET) -> str:  # fmt: skip
    made = made or datetime.now(UTC)
    return make_link("", purpose, int(subject), staff_id, made, ttl, secret)


def test_a_link_opens_its_page_once_for_its_own_recipient(base_url, people) -> None:
    link = _link("extension-request", people["audit"], people["auditor"])
    anonymous = app_client(base_url)
    first = anonymous.get(link)
    assert first.status_code == 303 and first.headers["location"] == f"/sign-in?next={link}"
    someone_else = signed_in(base_url, people["other_manager"])
    refused = someone_else.get(link)
    assert refused.status_code == 403 and "sent to someone else" in refused.text
    auditor = signed_in(base_url, people["auditor"])
    followed = auditor.get(link)
    assert followed.status_code == 303
    assert followed.headers["location"] == f"/audits/{people['audit']}/extension"
    replayed = auditor.get(link)
    assert replayed.status_code == 400 and "already been used" in replayed.text


@pytest.mark.parametrize(
    ("link", "message"),
    [
        (lambda p: _link("extension-request", p["audit"], p["auditor"], secret="x" * 40),
         "not one we sent"),
        (lambda p: _link("extension-request", p["audit"], p["auditor"])[:-3] + "abc",
         "not one we sent"),
        (lambda p: _link("extension-request", p["audit"], p["auditor"],
                         made=datetime.now(UTC) - timedelta(days=31)), "expired"),
        (lambda p: "/links/not-a-token", "not one we sent"),
    ],
)  # fmt: skip
def test_forged_and_expired_links_are_refused(base_url, people, link, message) -> None:
    auditor = signed_in(base_url, people["auditor"])
    response = auditor.get(link(people))
    assert response.status_code == 400
    assert message in response.text and "cannot be used" in response.text


def test_a_decision_link_takes_aps_to_the_decision_page(base_url, people) -> None:
    link = _link("decide-extension", "7", people["aps"])
    response = signed_in(base_url, people["aps"]).get(link)
    assert response.headers["location"] == "/requests/extension/7"


def test_pages_carry_security_headers(base_url, people) -> None:
    auditor = signed_in(base_url, people["auditor"])
    response = auditor.get("/my-audits")
    policy = response.headers["content-security-policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    # Both inline scripts of the page carry this page's nonce, and no other script is inline.
    assert response.text.count(f'nonce="{nonce}"') == 2
    assert response.text.count("<script") == 3  # the two above and the module file
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cache-control"] == "no-store"
    assert auditor.get("/my-audits").headers["content-security-policy"] != policy
    css = auditor.get("/static/govuk-frontend.min.css")
    assert css.status_code == 200 and "no-store" not in css.headers.get("cache-control", "")
