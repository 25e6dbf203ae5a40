"""The web pages: auditors\x27 audits and requests, the APS decision queue and dashboard."""
