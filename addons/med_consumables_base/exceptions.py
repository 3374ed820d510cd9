# This file is part of the medical consumables management system.
from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import ValidationError


class BarcodeError(UserError):
    "A scanned code that cannot be read as GS1 or MA UDI"


class NhsaCodeError(ValidationError):
    pass


class UsccError(ValidationError):
    pass


class DuplicateDIError(ValidationError):
    pass


class IdentifierError(ValidationError):
    pass


class QualificationError(ValidationError):
    pass


class CatalogError(ValidationError):
    pass


class DepartmentError(ValidationError):
    pass


class ExpiryWarning(UserWarning):
    pass


class RPCValueError(ValidationError):
    "An RPC call whose values do not fit the model's fields (guard.py)"
