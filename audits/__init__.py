"""The application shell: settings, the ``audits`` command and the demo."""
