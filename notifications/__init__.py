"""Emails: what is sent (messages), how it looks (render) and how it goes (transports)."""
