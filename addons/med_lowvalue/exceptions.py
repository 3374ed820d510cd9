# Typed errors of the department and warehouse operations; every message is
# in message.xml (or the family's own xml) and raised through gettext.
from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import AccessError, ValidationError


class LotExpiredError(UserError):
    pass


class LotRecalledError(UserError):
    pass


class LotNearExpiryWarning(UserWarning):
    pass


class QuantityError(ValidationError):
    pass


class CatalogError(ValidationError):
    pass


class RequisitionError(UserError):
    pass


class ReturnError(UserError):
    pass


class UsageError(UserError):
    pass


class ReceiptError(UserError):
    pass


class InventoryError(UserError):
    pass


class PeriodError(UserError):
    pass


class DepartmentAccessError(AccessError):
    pass


class SupplierReturnError(UserError):
    pass


class RecallError(UserError):
    pass


class ReceiptDeleteError(AccessError):
    pass


class LotShelfLifeError(ValidationError):
    pass


class IssueError(UserError):
    "An issue to a department (出库) that cannot proceed"
