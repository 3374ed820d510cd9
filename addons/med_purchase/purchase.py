# 采购单制作 / 采购单审核 / 订单管理: Tryton's purchase.purchase with the
# hospital's approval step, the licence gate at confirmation, catalogue
# prices, a delivery store per line and cancellation with a reason.
#
# Approval: the purchase manager's `approve` records approved_by/approved_at
# and confirms.  Above the configured amount an ir.model.button.rule asks for
# two different people (the same user clicking twice counts once), so a
# buyer who is also a manager cannot push their own large order through.
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.modules.company.model import employee_field, set_employee
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from med_consumables_base.approval import button_clickers, set_timestamp

from .exceptions import (
    PurchaseApprovalError, PurchaseCancelError, PurchaseQualificationError)


class Configuration(metaclass=PoolMeta):
    __name__ = 'purchase.configuration'
    approval_threshold = Monetary(
        "Second Approver Above", currency='approval_currency',
        digits='approval_currency',
        help="Orders whose total exceeds this amount need the approval of "
        "two different purchase managers. Leave empty for one.")
    approval_currency = fields.Function(fields.Many2One(
            'currency.currency', "Currency"), 'get_approval_currency')

    def get_approval_currency(self, name):
        company = Transaction().context.get('company')
        if company:
            return Pool().get('company.company')(company).currency.id


class ConfigurationPurchaseMethod(metaclass=PoolMeta):
    __name__ = 'purchase.configuration.purchase_method'

    @classmethod
    def default_purchase_invoice_method(cls):
        # Supplier invoices are matched and approved in 结算业务, not created
        # from the order.
        return 'manual'


class Purchase(metaclass=PoolMeta):
    __name__ = 'purchase.purchase'
    approved_by = employee_field(
        "Approved By",
        states=['quotation', 'confirmed', 'processing', 'done', 'cancelled'])
    approved_at = fields.DateTime("Approved At", readonly=True)
    approvers = fields.Function(fields.Char(
            "Approvals",
            help="Managers who have approved so far; large orders need two."),
        'get_approvers')
    needs_second_approval = fields.Function(fields.Boolean(
            "Needs Second Approval"), 'get_needs_second_approval')
    cancel_reason = fields.Text(
        "Cancellation Reason", readonly=True,
        states={'invisible': ~Eval('cancel_reason')})
    cancelled_by = employee_field(
        "Cancelled By",
        states=['draft', 'quotation', 'confirmed', 'processing', 'done',
            'cancelled'])
    cancelled_at = fields.DateTime(
        "Cancelled At", readonly=True,
        states={'invisible': ~Eval('cancelled_at')})

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # A confirmed order that nothing was received for can still be
        # withdrawn (订单管理: 撤销订单); Tryton itself only cancels quotations.
        cls._transitions |= {
            ('confirmed', 'cancelled'),
            ('processing', 'cancelled'),
            }
        cls._buttons.update({
                'approve': {
                    'invisible': Eval('state') != 'quotation',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'cancel_with_reason': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'quotation', 'confirmed', 'processing']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })
        # Confirmation goes through approval
        cls._buttons['confirm']['invisible'] = True
        cls._buttons['cancel']['invisible'] = True

    @classmethod
    def get_approvers(cls, purchases, name):
        return button_clickers(cls.__name__, 'approve', purchases)

    @classmethod
    def get_needs_second_approval(cls, purchases, name):
        Configuration = Pool().get('purchase.configuration')
        threshold = Configuration(1).approval_threshold
        return {p.id: threshold is not None
            and (p.total_amount or 0) > threshold for p in purchases}

    @classmethod
    @ModelView.button
    @set_employee('approved_by')
    def approve(cls, purchases):
        "Only the orders whose button rules are met reach this point"
        purchases = [p for p in purchases if p.state == 'quotation']
        for purchase in purchases:
            purchase.check_qualifications()
        cls.write(purchases, {'approved_at': dt.datetime.now()})
        cls.confirm(purchases)

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, purchases):
        for purchase in purchases:
            if not purchase.approved_at:
                raise PurchaseApprovalError(gettext(
                        'med_purchase.msg_purchase_not_approved',
                        purchase=purchase.rec_name))
            purchase.check_qualifications()
        super().confirm(purchases)

    def check_qualifications(self, date=None):
        """An expired licence of the supplier, or an expired qualification or
        registration of a product, refuses the order (DESIGN §6)."""
        pool = Pool()
        Qualification = pool.get('med.qualification')
        Date = pool.get('ir.date')
        if date is None:
            with Transaction().set_context(company=self.company.id):
                date = Date.today()
        templates = {l.product.template for l in self.lines
            if l.type == 'line' and l.product}
        Qualification.check_expired(self.party, templates, date,
            PurchaseQualificationError,
            'med_purchase.msg_purchase_qualification_expired',
            purchase=self.rec_name)

    @classmethod
    @ModelView.button_action('med_purchase.wizard_purchase_cancel')
    def cancel_with_reason(cls, purchases):
        pass

    @classmethod
    @set_employee('cancelled_by')
    @set_timestamp('cancelled_at')
    def withdraw(cls, purchases, reason):
        "Cancel the orders with a reason, also once confirmed if not received"
        pool = Pool()
        Move = pool.get('stock.move')
        if not reason or not reason.strip():
            raise PurchaseCancelError(gettext(
                    'med_purchase.msg_purchase_cancel_reason'))
        moves = []
        for purchase in purchases:
            for move in purchase.moves:
                if move.state not in {'draft', 'staging', 'cancelled'}:
                    raise PurchaseCancelError(gettext(
                            'med_purchase.msg_purchase_cancel_received',
                            purchase=purchase.rec_name))
                if move.state != 'cancelled':
                    moves.append(move)
        Move.cancel(moves)
        cls.write(list(purchases), {'cancel_reason': reason.strip()})
        # Tryton's own button is hidden: cancelling goes through the reason
        with without_check_access():
            cls.cancel(purchases)

    def check_request_warehouse(self):
        "A line delivered to its request's store is not a mismatch"
        if all(r.warehouse == l.warehouse
                for l in self.lines for r in getattr(l, 'requests', [])):
            return
        super().check_request_warehouse()

    @classmethod
    def copy(cls, purchases, default=None):
        default = default.copy() if default is not None else {}
        for field in ['approved_by', 'approved_at', 'cancel_reason',
                'cancelled_by', 'cancelled_at']:
            default.setdefault(field, None)
        return super().copy(purchases, default=default)

    @classmethod
    @Workflow.transition('draft')
    def draft(cls, purchases):
        # Back to draft: an earlier approval no longer holds
        super().draft(purchases)
        cls.write(list(purchases), {
                'approved_by': None,
                'approved_at': None,
                })


class PurchaseLine(metaclass=PoolMeta):
    __name__ = 'purchase.line'
    delivery_warehouse = fields.Many2One(
        'stock.location', "Deliver To",
        domain=[('type', '=', 'warehouse')],
        states={
            'invisible': Eval('type') != 'line',
            'readonly': Eval('purchase_state') != 'draft',
            },
        help="The store this line is delivered to, when it is not the "
        "order's warehouse (one order for several stores).")

    @fields.depends('delivery_warehouse', 'purchase',
        '_parent_purchase.warehouse')
    def on_change_with_warehouse(self, name=None):
        if self.delivery_warehouse:
            return self.delivery_warehouse
        return super().on_change_with_warehouse(name=name)

    def get_to_location(self, name):
        if (self.quantity or 0) >= 0 and self.delivery_warehouse:
            return self.delivery_warehouse.input_location
        return super().get_to_location(name)

    @fields.depends('product', 'purchase', '_parent_purchase.party',
        '_parent_purchase.purchase_date')
    def compute_unit_price(self):
        "The contract price of the order's supplier in the 产品目录"
        Catalog = Pool().get('med.catalog')
        if self.product and self.purchase and self.purchase.party:
            entry = Catalog.get_price(
                self.product, distributor=self.purchase.party,
                date=self.purchase.purchase_date)
            if entry:
                return entry.contract_price
        return super().compute_unit_price()


class PurchaseCancelStart(ModelView):
    __string__ = "Cancel a Purchase"
    __name__ = 'med.purchase.cancel.start'
    reason = fields.Text("Reason", required=True)


class PurchaseCancel(Wizard):
    "撤销订单: cancel with a reason; the supplier is told"
    __name__ = 'med.purchase.cancel'
    start = StateView('med.purchase.cancel.start',
        'med_purchase.purchase_cancel_start_view_form', [
            Button("Back", 'end', 'tryton-cancel'),
            Button("Cancel Order", 'cancel_', 'tryton-ok', default=True),
            ])
    cancel_ = StateTransition()

    def transition_cancel_(self):
        self.model.withdraw(self.records, self.start.reason)
        return 'end'
