"""Quarterly CX reports: marts → context → Jinja2 templates → self-contained HTML.

The imports run one way: data.py (what is read) ← cells.py (may a figure be shown, and how it
is written) ← sections/ (one module per section of the page) ← render.py (the wiring), which
hands the pages to publish.py. render_reports in reports/render.py is the entry point.
"""
