from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class PurchaseApprovalError(UserError):
    pass


class PurchaseQualificationError(UserError):
    pass


class PurchaseCancelError(UserError):
    pass


class ConsolidationError(UserError):
    pass


class SMSError(ValidationError):
    pass
