"""Quarterly CX reports: marts → context → Jinja2 templates → self-contained HTML."""

from reports.render import render_reports

__all__ = ["render_reports"]
