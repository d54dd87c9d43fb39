"""An uploaded CSV or XLSX file as rows of cells (text, numbers, datetimes)."""

import csv
import io
import zipfile

from openpyxl import load_workbook

from odoo.tools.translate import LazyTranslate

from .file_format_error import FileFormatError

_lt = LazyTranslate(__name__)

_ENCODINGS = ("utf-8-sig", "cp1252")
_DELIMITERS = ",;\t|"


def read_table(content, filename=""):
    """Rows (lists of cells) of the first sheet of an XLSX, or of a CSV."""
    if content[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        return _read_xlsx(content)
    return _read_csv(content)


def _read_xlsx(content):
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError) as error:
        raise FileFormatError(
            _lt("Not a readable XLSX workbook (%(error)s).", error=error)
        ) from error
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def _decode(content):
    for encoding in _ENCODINGS:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileFormatError(_lt("The file is neither UTF-8 nor Windows-1252 text."))


def _read_csv(content):
    text = _decode(content)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text, newline=""), dialect))
