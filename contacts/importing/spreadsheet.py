"""Cells that a spreadsheet would run as a formula when the exported CSV is opened."""

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: str) -> str:
    """Prefix a quote so Excel/Sheets/LibreOffice show the text instead of evaluating it
    (OWASP "CSV injection"). Phone numbers in E.164 start with '+', so they are escaped too."""
    if value and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """Undo escape_cell when our own export is imported again."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":
        return value[1:]
    return value
