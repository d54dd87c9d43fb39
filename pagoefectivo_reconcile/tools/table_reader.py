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

from openpyxl import load_workbook
from openpyxl.utils.datetime import WINDOWS_EPOCH

from odoo.tools.translate import LazyTranslate

from .file_format_error import FileFormatError
from .headers import HEADER_SCAN

_lt = LazyTranslate(__name__)

_ENCODINGS = ("utf-8-sig", "cp1252")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode text" export
_SEPARATORS = (",", ";", "\t", "|")
# Excel 97-2003 (.xls) and other OLE2 compound documents start with these bytes.
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# What an import reads at most, far above a big day (50,000 paid CIPs are
# about 10 MB of CSV), so that a wrong or hostile file (a zip bomb: a few
# kilobytes that inflate to gigabytes) is refused before it fills the memory.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_XLSX_BYTES = 512 * 1024 * 1024  # a workbook's parts, uncompressed
MAX_ROWS = 300_000
_MB = 1024 * 1024


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
    not read, for content that is neither, damaged or beyond the limits
    (MAX_FILE_BYTES, MAX_XLSX_BYTES, MAX_ROWS).
    """
    if len(content) > MAX_FILE_BYTES:
        raise FileFormatError(
            _lt(
                "The file has %(size)s MB, more than the %(limit)s MB an import "
                "reads: export a shorter period and import it in parts.",
                size=_megabytes(len(content)),
                limit=_megabytes(MAX_FILE_BYTES),
            )
        )
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
    """The workbook's sheets. openpyxl raises about anything on a damaged
    file (BadZipFile, zlib.error, KeyError, XML syntax errors...): each is
    the file's fault, refused as an unreadable workbook."""
    try:
        _check_inflated_size(content)
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except FileFormatError:
        raise
    except Exception as error:  # noqa: BLE001 - see the docstring
        raise _unreadable_xlsx(error) from error
    try:
        several = len(book.worksheets) > 1
        sheets, count = [], 0
        for worksheet in book.worksheets:
            # Some exporters write a wrong <dimension>, which would cut the rows.
            worksheet.reset_dimensions()
            rows = []
            for row in worksheet.iter_rows(values_only=True):
                count += 1
                if count > MAX_ROWS:
                    raise _too_many_rows()
                rows.append(list(row))
            sheets.append(
                Sheet(
                    head=rows[:HEADER_SCAN],
                    load=partial(list, rows),
                    name=worksheet.title if several else None,
                    epoch=book.epoch,
                )
            )
        return sheets
    except FileFormatError:
        raise
    except Exception as error:  # noqa: BLE001 - see the docstring
        raise _unreadable_xlsx(error) from error
    finally:
        book.close()


def _check_inflated_size(content):
    """Refuse a workbook whose parts inflate beyond MAX_XLSX_BYTES: the sizes
    its directory declares bound what reading it inflates (zipfile stops
    there)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        size = sum(item.file_size for item in archive.infolist())
    if size > MAX_XLSX_BYTES:
        raise FileFormatError(
            _lt(
                "The workbook holds %(size)s MB once uncompressed, more than the "
                "%(limit)s MB an import reads: export a shorter period and "
                "import it in parts.",
                size=_megabytes(size),
                limit=_megabytes(MAX_XLSX_BYTES),
            )
        )


def _too_many_rows():
    return FileFormatError(
        _lt(
            "The file has more than %(limit)s rows, more than an import reads: "
            "export a shorter period and import it in parts.",
            limit=MAX_ROWS,
        )
    )


def _megabytes(size):
    return "%.1f" % (size / _MB)


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
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\0" in text:
            raise FileFormatError(
                _lt(
                    "The file has NUL characters, which text files do not have: "
                    "it is damaged or not a CSV file. Export it again from the "
                    "portal."
                ),
                row=text.count("\n", 0, text.index("\0")) + 1,
            )
        return text
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
    """The first `limit` rows; all of them, MAX_ROWS at most, by default."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        rows = list(islice(reader, limit or MAX_ROWS + 1))
    except csv.Error as error:
        raise FileFormatError(
            _lt("This line cannot be read as CSV (%(error)s).", error=error),
            row=reader.line_num,
        ) from error
    if not limit and len(rows) > MAX_ROWS:
        raise _too_many_rows()
    return rows
