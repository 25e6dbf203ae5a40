"""How the web app signs people in, from environment variables prefixed ``AUDITS_``."""

from __future__ import annotations

import ipaddress

from config.environment import AuditsEnvironment


class WebSettingsError(Exception):
    """Sign-in settings that cannot be used; the message says what to fix."""


class WebSettings(AuditsEnvironment):
    #: Development sign-in: choose any member of staff from a list. Never in production.
    dev_login: bool = False
    #: Trusted reverse-proxy sign-in: the header a council's single sign-on proxy sets to the
    #: signed-in person's email address (or staff id, see ``auth_header_matches``).
    auth_header: str = ""
    auth_header_matches: str = "email"
    #: The proxies allowed to set that header (IP addresses or networks, comma-separated): a
    #: request from anywhere else never signs anyone in by header.
    trusted_proxies: str = "127.0.0.1,::1"
    #: Send the session cookie only over HTTPS. Unset: yes, except with development sign-in
    #: (which serves plain HTTP on a developer's machine and never runs in production).
    secure_cookies: bool | None = None
    #: Minutes of inactivity after which a session ends.
    session_minutes: int = 480

    def https_only(self) -> bool:
        return self.secure_cookies if self.secure_cookies is not None else not self.dev_login

    def check(self) -> None:
        if not self.dev_login and not self.auth_header:
            raise WebSettingsError(
                "no sign-in is configured: set AUDITS_AUTH_HEADER for a single sign-on proxy, "
                "or AUDITS_DEV_LOGIN=true on a development machine"
            )
        if self.auth_header_matches not in ("email", "staff_id"):
            raise WebSettingsError("AUDITS_AUTH_HEADER_MATCHES must be 'email' or 'staff_id'")
        self.proxy_networks()

    def proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        try:
            return [
                ipaddress.ip_network(part.strip(), strict=False)
                for part in self.trusted_proxies.split(",")
                if part.strip()
            ]
        except ValueError as error:
            raise WebSettingsError(f"AUDITS_TRUSTED_PROXIES: {error}") from None
