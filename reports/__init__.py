"""The month-end highlight report: its figures, chart, HTML and PDF."""
