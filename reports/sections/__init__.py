"""One module per section of the quarter page, mirroring templates/partials/.

Each turns the rows of the marts it reads (reports/data.py) into that section's context: the
formatted strings its template shows. Every number comes from a mart; a module only picks
rows, asks reports/cells.py whether a figure may be shown, and writes it in the locale's style.
A section whose table is missing or empty returns None and is left out of the page.
"""
