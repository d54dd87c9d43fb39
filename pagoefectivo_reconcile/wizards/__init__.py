from . import pagoefectivo_import_wizard
