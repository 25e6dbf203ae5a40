"""The web pages: auditors' audits and requests, the APS decision queue and dashboard."""
