"""An uploaded CSV or XLSX file as sheets of rows of cells (text, numbers, datetimes).

A workbook gives one sheet per worksheet. A CSV gives one reading per
separator found near its top: the portal's files often open with title
lines that have no separator at all, so the separator is the one whose
reading has the header row a mapping profile recognises
(`headers.locate_header`), as the data's worksheet is.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, partial
from itertools import islice
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.datetime import WINDOWS_EPOCH
from openpyxl.utils.exceptions import InvalidFileException

from odoo.tools.translate import LazyTranslate

from .file_format_error import FileFormatError
from .headers import HEADER_SCAN

_lt = LazyTranslate(__name__)

_ENCODINGS = ("utf-8-sig", "cp1252")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode text" export
_SEPARATORS = (",", ";", "\t", "|")
# Excel 97-2003 (.xls) and other OLE2 compound documents start with these bytes.
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XLSX_ERRORS = (
    zipfile.BadZipFile,
    KeyError,
    OSError,
    ValueError,
    TypeError,
    InvalidFileException,
    ParseError,
)


@dataclass(eq=False)
class Sheet:
    """The rows (lists of cells) of a worksheet, or of a CSV read with one separator.

    `head` is its first HEADER_SCAN rows, where the header row is looked
    for; `rows` all of them, read when asked for. `name` is the worksheet's
    name when the workbook has several (errors then name it), and `epoch`
    the day its serial dates count from.
    """

    head: list
    load: object = field(repr=False)  # () -> every row
    name: str | None = None
    epoch: datetime = WINDOWS_EPOCH

    @cached_property
    def rows(self):
        return self.load()


def read_table(content, filename=""):
    """The Sheets of an XLSX workbook, or the readings of a CSV.

    Raises FileFormatError for an Excel 97-2003 (.xls) workbook, which is
    not read, and for content that is neither.
    """
    if content[:2] == b"PK":
        return _read_xlsx(content)
    name = (filename or "").lower()
    if content[:8] == _OLE2_MAGIC or name.endswith(".xls"):
        raise FileFormatError(
            _lt(
                "This is an Excel 97-2003 workbook (.xls), which cannot be "
                "imported: open it in Excel or LibreOffice Calc, save it as an "
                "Excel workbook (.xlsx) or as CSV, and import that file."
            )
        )
    if name.endswith(".xlsx"):
        return _read_xlsx(content)
    return _read_csv(content)


def _read_xlsx(content):
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except _XLSX_ERRORS as error:
        raise _unreadable_xlsx(error) from error
    try:
        several = len(book.worksheets) > 1
        sheets = []
        for worksheet in book.worksheets:
            # Some exporters write a wrong <dimension>, which would cut the rows.
            worksheet.reset_dimensions()
            rows = [list(row) for row in worksheet.iter_rows(values_only=True)]
            sheets.append(
                Sheet(
                    head=rows[:HEADER_SCAN],
                    load=partial(list, rows),
                    name=worksheet.title if several else None,
                    epoch=book.epoch,
                )
            )
        return sheets
    except _XLSX_ERRORS as error:
        raise _unreadable_xlsx(error) from error
    finally:
        book.close()


def _unreadable_xlsx(error):
    return FileFormatError(
        _lt(
            "Not a readable XLSX workbook (%(error)s).",
            error=str(error) or type(error).__name__,
        )
    )


def _decode(content):
    encodings = _ENCODINGS
    if content[:2] in _UTF16_BOMS:
        encodings = ("utf-16", *_ENCODINGS)
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileFormatError(_lt("The file is neither UTF-8 nor Windows-1252 text."))


def _read_csv(content):
    text = _decode(content)
    top = "".join(islice(io.StringIO(text, newline=""), HEADER_SCAN))
    sheets, first_error = [], None
    for separator in [sep for sep in _SEPARATORS if sep in top] or [","]:
        try:
            head = _csv_rows(text, separator, HEADER_SCAN)
        except FileFormatError as error:  # not this separator, perhaps
            first_error = first_error or error
            continue
        sheets.append(Sheet(head=head, load=partial(_csv_rows, text, separator)))
    if not sheets:
        raise first_error
    return sheets


def _csv_rows(text, separator, limit=None):
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        return list(islice(reader, limit))
    except csv.Error as error:
        raise FileFormatError(
            _lt("This line cannot be read as CSV (%(error)s).", error=error),
            row=reader.line_num,
        ) from error
