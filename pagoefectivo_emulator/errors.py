"""Exceptions: v1 API error replies and refused control actions."""

INVALID_REQUEST = "111"
MISSING_FIELD = "112"
INVALID_VALUE = "113"
INVALID_SERVICE = "508"
AMOUNT_TOO_HIGH = "511"
UNAUTHORIZED = "101"
INTERNAL_ERROR = "166"


def field_error(code: str, field: str, message: str) -> dict:
    return {"code": code, "message": message, "field": field}


class ApiError(Exception):
    """An error reply of the v1 API: HTTP status and `{code, message, data}` body."""

    def __init__(self, status: int, code: str, message: str, details=()):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details)

    @classmethod
    def invalid(cls, details, status: int = 400) -> "ApiError":
        return cls(status, INVALID_REQUEST, "Parámetros inválidos.", details)

    def body(self) -> dict:
        return {"code": self.code, "message": self.message, "data": self.details}


class EmulatorError(Exception):
    """A control action that cannot be done; `status` is the control HTTP status."""

    status = 409


class CipNotFound(EmulatorError, LookupError):
    status = 404


class CipStateError(EmulatorError):
    """The CIP's state forbids the action (paid, deleted, expired...)."""
