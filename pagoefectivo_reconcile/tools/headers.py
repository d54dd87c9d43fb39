"""Find the header row of a report and the columns a profile asks for."""

import re
import unicodedata

from odoo.tools.translate import LazyTranslate

from .file_format_error import FileFormatError

_lt = LazyTranslate(__name__)


def normalize(text):
    """'Fec. Cancelación' and 'FEC CANCELACION' both become 'feccancelacion'."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    ascii_text = decomposed.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_text.lower())


def aliases(spec):
    """A profile's column spec 'Fec.Cancelación | Fecha de pago' as a list of names."""
    return [name.strip() for name in (spec or "").split("|") if normalize(name)]


def locate_columns(rows, wanted, required, max_scan=30):
    """(header row index, {key: column index}) of the first row with all required keys.

    `wanted` maps a key to its header aliases, as `aliases` returns them.
    Raises FileFormatError naming the missing columns of the best candidate
    row when none fits.
    """
    labels = {key: names[0] for key, names in wanted.items() if names}
    wanted = {key: [normalize(name) for name in names] for key, names in wanted.items()}
    best_missing = None
    for index, row in enumerate(rows[:max_scan]):
        names = [normalize(cell) for cell in row]
        found = {}
        for key, options in wanted.items():
            for option in options:
                if option in names:
                    found[key] = names.index(option)
                    break
        missing = [key for key in required if key not in found]
        if not missing:
            return index, found
        if found and (best_missing is None or len(missing) < len(best_missing)):
            best_missing = missing
    raise FileFormatError(
        _lt(
            "No header row with the columns %(columns)s was found in the first "
            "%(count)s rows.",
            columns=", ".join(labels.get(key, key) for key in best_missing or required),
            count=max_scan,
        )
    )
