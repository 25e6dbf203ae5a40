"""Jinja2 templates of the emails, the web pages and the highlight report (see README.md here).

A package only so that it ships in the wheel and is found with importlib (Jinja2's
``PackageLoader``) wherever the project is installed; it holds no code.
"""
