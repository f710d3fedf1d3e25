"""Clause templates: the Jinja sandbox they run in, Markdown escaping, and what they read."""
