# 采购单制作 / 采购单审核 / 订单管理: Tryton's purchase.purchase with the
# hospital's approval step, the licence gate at confirmation, catalogue
# prices, a delivery store per line and cancellation with a reason.
#
# Approval: the purchase manager's `approve` records approved_by/approved_at
# and confirms.  Above the configured amount an ir.model.button.rule asks for
# two different people (the same user clicking twice counts once), so a
# buyer who is also a manager cannot push their own large order through.
import datetime as dt
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.modules.company.model import employee_field, set_employee
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from med_consumables_base.approval import button_clickers, set_timestamp

from med_lowvalue.exceptions import ReceiptError, SupplierReturnError

from .exceptions import (
    PurchaseApprovalError, PurchaseCancelError, PurchaseQualificationError)
from .stock import (
    RECEIVABLE_STATES, RETURNABLE_STATES, _is_incoming, _is_return,
    _line_quantity)


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

    # -- 按订单入库: what the stores received and sent back -----------------

    received_quantity = fields.Function(fields.Float(
            "Received", digits='unit',
            states={
                'invisible': Eval('type') != 'line',
                },
            help="Quantity received into the stores (按订单入库)."),
        'get_receipt_quantities')
    returned_quantity = fields.Function(fields.Float(
            "Returned", digits='unit',
            states={
                'invisible': Eval('type') != 'line',
                },
            help="Quantity sent back to the supplier against this line."),
        'get_receipt_quantities')

    @classmethod
    def get_receipt_quantities(cls, lines, names):
        result = {n: {} for n in names}
        for line in lines:
            received = returned = 0
            if line.type == 'line' and (line.quantity or 0) >= 0:
                for move in line.moves:
                    if move.state != 'done':
                        continue
                    if _is_incoming(move):
                        received += _line_quantity(move, line)
                    elif _is_return(move):
                        returned += _line_quantity(move, line)
            values = {
                'received_quantity': received,
                'returned_quantity': returned,
                }
            for name in names:
                value = values[name]
                result[name][line.id] = (
                    line.unit.round(value) if line.unit else value)
        return result

    def _returned_moves(self):
        "Moves that send goods of a positive line back to the supplier"
        if (self.quantity or 0) < 0:
            return set()
        return {m for m in self.moves if _is_return(m)}

    # A return linked to an order line is not a delivery of it: Tryton would
    # count it as shipped (no remainder re-created, a false over-shipment
    # warning at the next receipt) and as received (progress).
    def _get_shipped_quantity(self, move_type):
        quantity = super()._get_shipped_quantity(move_type)
        if move_type == 'in':
            skip = set(self.moves_recreated)
            for move in self._returned_moves():
                if move not in skip:
                    quantity -= _line_quantity(move, self)
        return quantity

    @property
    def _move_remaining_quantity(self):
        quantity = super()._move_remaining_quantity
        if quantity is not None:
            skips = set(self.moves_ignored)
            for move in self._returned_moves():
                if move.state == 'done' or move in skips:
                    quantity += _line_quantity(move, self)
        return quantity

    def get_moves_exception(self, name):
        # A cancelled return is no missing delivery
        skips = set(self.moves_ignored)
        skips.update(self.moves_recreated)
        returned = self._returned_moves()
        return any(m.state == 'cancelled' for m in self.moves
            if m not in skips and m not in returned)


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


# 按订单入库 / 退货 against an order: the wizards

class PurchaseReceiptCreateStart(ModelView):
    "Receive against an order"
    __string__ = "Receive against a Purchase"
    __name__ = 'med.purchase.receipt.create.start'
    purchase = fields.Many2One(
        'purchase.purchase', "Purchase Order", required=True,
        domain=[
            ('state', 'in', RECEIVABLE_STATES),
            ],
        help="A confirmed order whose goods arrived.")
    warehouses = fields.Many2Many(
        'stock.location', None, None, "Stores Waiting", readonly=True)
    warehouse = fields.Many2One(
        'stock.location', "Store", required=True,
        domain=[
            ('id', 'in', Eval('warehouses', [])),
            ],
        help="The store the goods are delivered to: one receipt per store.")

    @fields.depends('purchase')
    def on_change_with_warehouses(self, name=None):
        if self.purchase:
            return [w.id for w in PurchaseReceiptCreate.pending_warehouses(
                    self.purchase)]
        return []

    @fields.depends('purchase', 'warehouse',
        methods=['on_change_with_warehouses'])
    def on_change_purchase(self):
        warehouses = self.on_change_with_warehouses()
        if len(warehouses) == 1:
            self.warehouse = warehouses[0]
        elif self.warehouse and self.warehouse.id not in warehouses:
            self.warehouse = None


class PurchaseReceiptCreate(Wizard):
    "按订单入库: make the receipt of a store from the order's pending goods"
    __name__ = 'med.purchase.receipt.create'
    start = StateView('med.purchase.receipt.create.start',
        'med_purchase.purchase_receipt_create_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Create Receipt", 'create_', 'tryton-ok', default=True),
            ])
    create_ = StateTransition()
    open_ = StateAction('med_purchase.act_purchase_receipt')

    @classmethod
    def pending_moves(cls, purchase, warehouse=None):
        "Draft moves of the order not yet on a receipt, per store"
        moves = []
        for move in purchase.moves:
            if (move.state == 'draft' and not move.shipment
                    and _is_incoming(move)
                    and (warehouse is None
                        or move.to_location.warehouse == warehouse)):
                moves.append(move)
        return moves

    @classmethod
    def pending_warehouses(cls, purchase):
        pool = Pool()
        ShipmentIn = pool.get('stock.shipment.in')
        warehouses = {m.to_location.warehouse
            for m in cls.pending_moves(purchase)}
        # a draft receipt already made also waits to be scanned
        warehouses.update(s.warehouse for s in ShipmentIn.search([
                    ('purchase', '=', purchase.id),
                    ('state', '=', 'draft'),
                    ]))
        return sorted(filter(None, warehouses), key=lambda w: w.rec_name)

    def default_start(self, fields):
        values = {}
        if (self.model and self.model.__name__ == 'purchase.purchase'
                and self.record):
            purchase = self.record
            values['purchase'] = purchase.id
            warehouses = self.pending_warehouses(purchase)
            values['warehouses'] = [w.id for w in warehouses]
            if len(warehouses) == 1:
                values['warehouse'] = warehouses[0].id
        return values

    def transition_create_(self):
        pool = Pool()
        ShipmentIn = pool.get('stock.shipment.in')
        Move = pool.get('stock.move')
        purchase = self.start.purchase
        warehouse = self.start.warehouse
        if purchase.state not in RECEIVABLE_STATES:
            raise ReceiptError(gettext(
                    'med_purchase.msg_purchase_receipt_order_state',
                    purchase=purchase.rec_name))
        moves = self.pending_moves(purchase, warehouse)
        drafts = ShipmentIn.search([
                ('purchase', '=', purchase.id),
                ('warehouse', '=', warehouse.id),
                ('state', '=', 'draft'),
                ], order=[('id', 'ASC')], limit=1)
        if drafts:
            # One draft per order and store: what arrived goes onto it
            shipment, = drafts
        elif moves:
            shipment = ShipmentIn(
                company=purchase.company,
                supplier=purchase.party,
                warehouse=warehouse,
                receipt_kind='purchase',
                purchase=purchase,
                )
            shipment.on_change_warehouse()
            shipment.save()
        else:
            raise ReceiptError(gettext(
                    'med_purchase.msg_purchase_receipt_create_nothing',
                    purchase=purchase.rec_name,
                    warehouse=warehouse.rec_name))
        if moves:
            Move.write(moves, {'shipment': str(shipment)})
        # the action follows in the same request
        self._receipt = shipment.id
        return 'open_'

    def do_open_(self, action):
        action['views'].reverse()
        return action, {'res_id': [self._receipt]}


class PurchaseReturnStart(ModelView):
    "Return an order's goods to the supplier"
    __string__ = "Return a Purchase"
    __name__ = 'med.purchase.return.start'
    purchase = fields.Many2One(
        'purchase.purchase', "Purchase Order", readonly=True)
    reason = fields.Selection(
        'get_reasons', "Reason", required=True, sort=False)
    reason_note = fields.Text("Reason Details")
    lines = fields.One2Many(
        'med.purchase.return.line', None, "Lots Received",
        help="Enter the quantity to return on the lots going back.")

    @classmethod
    def get_reasons(cls):
        ShipmentInReturn = Pool().get('stock.shipment.in.return')
        return [r for r in ShipmentInReturn.reason.selection if r[0]]


class PurchaseReturnLine(ModelView):
    "Lot received against an order"
    __string__ = "Purchase Return Line"
    __name__ = 'med.purchase.return.line'
    purchase_line = fields.Many2One(
        'purchase.line', "Order Line", readonly=True)
    warehouse = fields.Many2One('stock.location', "Store", readonly=True)
    product = fields.Many2One('product.product', "Product", readonly=True)
    lot = fields.Many2One('stock.lot', "Lot", readonly=True)
    expiration_date = fields.Date("Expiration Date", readonly=True)
    received = fields.Float("Received", readonly=True)
    returnable = fields.Float(
        "Returnable", readonly=True,
        help="Received less what already went back.")
    quantity = fields.Float(
        "Quantity", required=True,
        domain=[
            ('quantity', '>=', 0),
            ],
        help="What goes back to the supplier now.")
    unit = fields.Many2One('product.uom', "Unit", readonly=True)


class PurchaseReturn(Wizard):
    "退货: return goods received against an order to its supplier"
    __name__ = 'med.purchase.return'
    start = StateView('med.purchase.return.start',
        'med_purchase.purchase_return_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Create Return", 'create_', 'tryton-ok', default=True),
            ])
    create_ = StateTransition()
    open_ = StateAction('med_lowvalue.act_supplier_return')

    def default_start(self, fields):
        purchase = self.record
        if purchase.state not in RETURNABLE_STATES:
            raise SupplierReturnError(gettext(
                    'med_purchase.msg_purchase_return_order_state',
                    purchase=purchase.rec_name))
        received = defaultdict(float)
        returned = defaultdict(float)
        for line in purchase.line_lines:
            if (line.quantity or 0) < 0:
                continue
            for move in line.moves:
                if move.state == 'cancelled' or not move.lot:
                    continue
                if _is_incoming(move) and move.state == 'done':
                    key = (line, move.to_location.warehouse, move.lot)
                    received[key] += _line_quantity(move, line)
                elif _is_return(move) and move.state != 'draft':
                    key = (line, move.from_location.warehouse, move.lot)
                    returned[key] += _line_quantity(move, line)
        lines = []
        for key in sorted(received, key=lambda k: (k[0].id, k[2].id)):
            line, warehouse, lot = key
            returnable = line.unit.round(received[key] - returned[key])
            if returnable <= 0:
                continue
            lines.append({
                    'purchase_line': line.id,
                    'warehouse': warehouse.id if warehouse else None,
                    'product': line.product.id,
                    'lot': lot.id,
                    'expiration_date': lot.expiration_date,
                    'received': line.unit.round(received[key]),
                    'returnable': returnable,
                    'quantity': 0,
                    'unit': line.unit.id,
                    })
        return {
            'purchase': purchase.id,
            'lines': lines,
            }

    def transition_create_(self):
        pool = Pool()
        Return = pool.get('stock.shipment.in.return')
        Move = pool.get('stock.move')
        purchase = self.start.purchase
        by_warehouse = defaultdict(list)
        for line in self.start.lines:
            if line.quantity:
                by_warehouse[line.warehouse].append(line)
        if not by_warehouse:
            raise SupplierReturnError(gettext(
                    'med_purchase.msg_purchase_return_nothing'))
        returns = []
        for warehouse, lines in by_warehouse.items():
            shipment = Return(
                company=purchase.company,
                supplier=purchase.party,
                purchase=purchase,
                from_location=warehouse.storage_location,
                to_location=purchase.party.supplier_location,
                reason=self.start.reason,
                reason_note=self.start.reason_note,
                )
            shipment.moves = [Move(
                    company=purchase.company,
                    product=l.product,
                    unit=l.unit,
                    quantity=l.quantity,
                    lot=l.lot,
                    from_location=shipment.from_location,
                    to_location=shipment.to_location,
                    unit_price=l.purchase_line.unit_price,
                    currency=purchase.currency,
                    origin=l.purchase_line,
                    state='draft',
                    ) for l in lines]
            returns.append(shipment)
        Return.save(returns)
        # refused at once rather than when the keeper submits it
        Return.check_purchase_returns(returns)
        # the action follows in the same request
        self._returns = [r.id for r in returns]
        return 'open_'

    def do_open_(self, action):
        if len(self._returns) == 1:
            action['views'].reverse()
        return action, {'res_id': self._returns}
