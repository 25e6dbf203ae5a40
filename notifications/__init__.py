"""Emails: what is sent (messages), which emails each change causes (the ``*_emails`` modules,
``digest``, ``import_failed``, written to the outbox in the change's transaction), how they look
(render) and how they go (transports)."""
