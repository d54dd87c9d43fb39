"""Find the header row of a report and the columns a profile asks for."""

import re
import unicodedata

from odoo.tools.translate import LazyTranslate

from .file_format_error import FileFormatError

_lt = LazyTranslate(__name__)

# Rows of each sheet where the header row is looked for (title blocks above it).
HEADER_SCAN = 30


def normalize(text):
    """'Fec. Cancelación' and 'FEC CANCELACION' both become 'feccancelacion'."""
    return re.sub(r"[^a-z0-9]", "", _ascii_lower(text))


def words(text):
    """'Total de Registros: 25' becomes 'total de registros 25'."""
    return " ".join(re.split(r"[^a-z0-9]+", _ascii_lower(text))).strip()


def _ascii_lower(text):
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    return decomposed.encode("ascii", "ignore").decode().lower()


def aliases(spec):
    """A profile's column spec 'Fec.Cancelación | Fecha de pago' as a list of names."""
    return [name.strip() for name in (spec or "").split("|") if normalize(name)]


def locate_header(sheets, wanted, required):
    """(sheet, header row index, {key: column index}) of the first sheet
    whose first HEADER_SCAN rows have one with all required keys.

    `sheets` are table_reader.Sheets: a workbook's worksheets, or a CSV's
    readings with each separator, so that this also decides the separator.
    `wanted` maps a key to its header aliases, as `aliases` returns them.
    Raises FileFormatError naming the missing columns of the best candidate
    row when none fits.
    """
    labels = {key: names[0] for key, names in wanted.items() if names}
    wanted = {key: [normalize(name) for name in names] for key, names in wanted.items()}
    best_missing = None
    for sheet in sheets:
        for index, row in enumerate(sheet.head[:HEADER_SCAN]):
            names = [normalize(cell) for cell in row]
            found = {}
            for key, options in wanted.items():
                for option in options:
                    if option in names:
                        found[key] = names.index(option)
                        break
            missing = [key for key in required if key not in found]
            if not missing:
                return sheet, index, found
            if found and (best_missing is None or len(missing) < len(best_missing)):
                best_missing = missing
    columns = ", ".join(labels.get(key, key) for key in best_missing or required)
    names = [sheet.name for sheet in sheets if sheet.name]
    if len(names) > 1:
        raise FileFormatError(
            _lt(
                "No header row with the columns %(columns)s was found in the first "
                "%(count)s rows of any sheet (%(sheets)s).",
                columns=columns,
                count=HEADER_SCAN,
                sheets=", ".join("“%s”" % name for name in names),
            )
        )
    raise FileFormatError(
        _lt(
            "No header row with the columns %(columns)s was found in the first "
            "%(count)s rows.",
            columns=columns,
            count=HEADER_SCAN,
        )
    )
