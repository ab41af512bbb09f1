"""SQL text for values and names that come from data (file paths, driver names, descriptions)."""


def quote(name: str) -> str:
    """A quoted identifier: `"name"`, inner double quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A string literal: `'text'`, inner single quotes doubled."""
    return "'" + text.replace("'", "''") + "'"
