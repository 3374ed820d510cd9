# 入库单制作 (receipts from distributors, scanned by UDI) and 库房退货单
# (returns to the distributor, approved by the warehouse manager).
#
# Both documents are Tryton's stock.shipment.in / stock.shipment.in.return;
# this file only adds what a hospital store needs: the receipt kind, UDI
# scanning that creates lots from the code, the lot / expiry / licence gates
# at receipt, and an approval step before a return leaves the store.
import datetime as dt
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, dualmethod, fields
from trytond.modules.company import CompanyReport
from trytond.modules.company.model import set_employee
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from med_consumables_base.tools import today as _today

from .exceptions import (
    LotExpiredError, LotRecalledError, ReceiptDeleteError, ReceiptError,
    SupplierReturnError)

# med_purchase adds ('purchase', "Purchase"): a receipt against an order
RECEIPT_KINDS = [
    ('self', "Self-Initiated"),
    ('gift', "Gift"),
    ]
RECEIPT_WAREHOUSE_KINDS = ['central', 'high_value']
RETURN_REASONS = [
    (None, ""),
    ('damaged', "Damaged"),
    ('expired', "Expired"),
    ('near_expiry', "Near Expiry"),
    ('recalled', "Recalled"),
    ('quality', "Quality Problem"),
    ('wrong_delivery', "Wrong Delivery"),
    ('surplus', "Surplus"),
    ('other', "Other"),
    ]


class ShipmentIn(metaclass=PoolMeta):
    __name__ = 'stock.shipment.in'
    receipt_kind = fields.Selection(
        RECEIPT_KINDS, "Receipt Kind", required=True, sort=False,
        states={
            'readonly': Eval('state') != 'draft',
            },
        help="Purchase: against a purchase order (按订单入库).\n"
        "Self-initiated: without an order (自主入库).\n"
        "Gift: free goods (赠品入库), always at zero price.")
    receipt_kind_string = receipt_kind.translated('receipt_kind')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # The hospital receives only from its distributors, into its own
        # stores (二级库 are supplied by issues, never by a distributor).
        cls.supplier.domain = [
            cls.supplier.domain or [],
            If(Eval('state') == 'draft',
                ('is_distributor', '=', True),
                ()),
            ]
        cls.warehouse.domain = [
            cls.warehouse.domain,
            If(Eval('state') == 'draft',
                ('warehouse_kind', 'in', RECEIPT_WAREHOUSE_KINDS),
                ()),
            ]
        # A received delivery is corrected by a return to the supplier,
        # never by cancelling it (DESIGN §6: corrections are reversals).
        cls._transitions.discard(('done', 'cancelled'))
        cls._buttons['cancel']['invisible'] = Eval('state').in_(
            ['cancelled', 'done'])
        cls._buttons.update({
                'scan': {
                    'invisible': Eval('state') != 'draft',
                    'readonly': ~Eval('warehouse') | ~Eval('supplier'),
                    'depends': ['state', 'warehouse', 'supplier'],
                    },
                })

    @classmethod
    def default_receipt_kind(cls):
        return 'self'

    @fields.depends('receipt_kind', 'incoming_moves')
    def on_change_receipt_kind(self):
        if self.receipt_kind == 'gift':
            for move in self.incoming_moves or []:
                move.unit_price = 0

    @classmethod
    @ModelView.button_action('med_lowvalue.wizard_receipt_scan')
    def scan(cls, shipments):
        pass

    @classmethod
    def validate_fields(cls, shipments, field_names):
        super().validate_fields(shipments, field_names)
        if field_names is None or 'receipt_kind' in field_names:
            cls.check_gift_prices(shipments)

    @classmethod
    def check_gift_prices(cls, shipments):
        "Gifts cost nothing: a priced gift would distort stock value"
        for shipment in shipments:
            if shipment.receipt_kind != 'gift':
                continue
            for move in shipment.incoming_moves:
                if move.unit_price:
                    raise ReceiptError(gettext(
                            'med_lowvalue.msg_receipt_gift_price',
                            shipment=shipment.rec_name,
                            product=move.product.rec_name))

    @classmethod
    def check_modification(
            cls, mode, shipments, values=None, external=False):
        # Even a cancelled receipt stays: it is the trace of a delivery
        # (DESIGN §6: receipts are never hard-deleted).
        if mode == 'delete':
            for shipment in shipments:
                if shipment.state != 'draft':
                    raise ReceiptDeleteError(gettext(
                            'med_lowvalue.msg_receipt_delete',
                            shipment=shipment.rec_name))
        super().check_modification(
            mode, shipments, values=values, external=external)

    @classmethod
    @ModelView.button
    @Workflow.transition('received')
    def receive(cls, shipments):
        cls.check_receipt(shipments)
        super().receive(shipments)

    @classmethod
    def check_receipt(cls, shipments):
        "The gates a delivery passes before it enters a store"
        pool = Pool()
        Lot = pool.get('stock.lot')
        for shipment in shipments:
            date = shipment.effective_date or _today()
            moves = [m for m in shipment.incoming_moves
                if m.state != 'cancelled' and m.quantity]
            for move in moves:
                if move.product.type == 'goods' and not move.lot:
                    raise ReceiptError(gettext(
                            'med_lowvalue.msg_receipt_lot_required',
                            shipment=shipment.rec_name,
                            product=move.product.rec_name))
            shipment.check_qualifications(date)
            Lot.check_usable(
                list({m.lot for m in moves}), date=date,
                warning_key=f'med_receipt_near_expiry.{shipment.id}')

    def check_qualifications(self, date):
        """An expired licence of the distributor or an expired registration
        of a product blocks the receipt (DESIGN §6)."""
        Qualification = Pool().get('med.qualification')
        templates = {m.product.template for m in self.incoming_moves}
        Qualification.check_expired(self.supplier, templates, date,
            ReceiptError, 'med_lowvalue.msg_receipt_qualification_expired',
            shipment=self.rec_name)

    def get_receipt_unit_price(self, product):
        "Gift: zero; otherwise the contract price of this distributor"
        pool = Pool()
        Catalog = pool.get('med.catalog')
        if self.receipt_kind == 'gift':
            return 0
        line = Catalog.get_price(product, distributor=self.supplier)
        if line:
            return line.contract_price
        return product.cost_price or 0

    def add_scanned(self, code, quantity=1):
        """Add quantity of the product and lot read from code.

        Returns the incoming move.  Nothing is written when the code is bad,
        its lot expired or recalled, or a serial number is scanned twice.
        """
        pool = Pool()
        Barcode = pool.get('med.barcode')
        Product = pool.get('product.product')
        Lot = pool.get('stock.lot')
        Move = pool.get('stock.move')

        if self.state != 'draft':
            raise ReceiptError(gettext(
                    'med_lowvalue.msg_receipt_scan_state',
                    shipment=self.rec_name))
        if not quantity or quantity <= 0:
            raise ReceiptError(gettext(
                    'med_lowvalue.msg_receipt_scan_quantity',
                    quantity=quantity))
        result = Barcode.lookup(code)
        product = Product(result['product'])
        # A serial number stands for the lot of a serialised device
        number = result['lot'] or result['serial']
        serial = not result['lot'] and bool(result['serial'])
        if not number:
            raise ReceiptError(gettext(
                    'med_lowvalue.msg_receipt_scan_no_lot',
                    product=product.rec_name, code=code.strip()))
        expiry = result['expiry_date']
        date = self.effective_date or _today()
        if expiry and expiry < date:
            raise LotExpiredError(gettext(
                    'med_lowvalue.msg_lot_expired',
                    lot=number, product=product.rec_name, date=expiry))

        lots = Lot.search([
                ('product', '=', product.id),
                ('number', '=', number),
                ], limit=1)
        if lots:
            lot, = lots
            if lot.recalled:
                raise LotRecalledError(gettext(
                        'med_lowvalue.msg_lot_recalled',
                        lot=lot.rec_name, product=product.rec_name,
                        reason=lot.recall_reason or ''))
            if expiry and lot.expiration_date != expiry:
                if lot.expiration_date:
                    raise ReceiptError(gettext(
                            'med_lowvalue.msg_receipt_scan_expiry_mismatch',
                            lot=lot.rec_name, product=product.rec_name,
                            recorded=lot.expiration_date, scanned=expiry))
                lot.expiration_date = expiry
                lot.save()
        else:
            # Expiry goes to expiration_date only: shelf-life dates would
            # block the monthly stock period close (DESIGN §3).
            lot = Lot(product=product, number=number,
                expiration_date=expiry)
            lot.save()

        for move in self.incoming_moves:
            if (move.product == product and move.lot == lot
                    and move.state == 'draft'):
                if serial:
                    raise ReceiptError(gettext(
                            'med_lowvalue.msg_receipt_scan_serial_twice',
                            serial=number, product=product.rec_name))
                move.quantity += quantity
                move.save()
                return move
        if serial and quantity != 1:
            raise ReceiptError(gettext(
                    'med_lowvalue.msg_receipt_scan_serial_twice',
                    serial=number, product=product.rec_name))
        move = Move(
            shipment=self,
            company=self.company,
            product=product,
            unit=product.default_uom,
            quantity=quantity,
            lot=lot,
            from_location=self.supplier.supplier_location,
            to_location=self.warehouse_input,
            planned_date=self.planned_date,
            unit_price=self.get_receipt_unit_price(product),
            currency=self.company.currency,
            state='draft',
            )
        move.save()
        return move


class ReceiptScan(Wizard):
    "Scan UDI codes into a receipt"
    __name__ = 'med.receipt.scan'
    start = StateView('med.receipt.scan.start',
        'med_lowvalue.receipt_scan_start_view_form', [
            Button("Close", 'end', 'tryton-close'),
            Button("Add", 'add', 'tryton-ok', default=True),
            ])
    add = StateTransition()

    def transition_add(self):
        shipment = self.record
        move = shipment.add_scanned(self.start.code, self.start.quantity)
        self.start.last_product = move.product
        self.start.last_lot = move.lot
        self.start.last_expiration_date = move.lot.expiration_date
        self.start.last_quantity = move.quantity
        self.start.code = None
        self.start.quantity = 1
        return 'start'

    def value_start(self, fields):
        shipment = self.record
        values = {
            'code': None,
            'quantity': 1,
            'receipt_lines': len(shipment.incoming_moves) if shipment else 0,
            }
        last = self.start.last_product
        if last:
            values.update({
                    'last_product': last.id,
                    'last_lot': self.start.last_lot.id,
                    'last_expiration_date': self.start.last_expiration_date,
                    'last_quantity': self.start.last_quantity,
                    })
        return values


class ReceiptScanStart(ModelView):
    "Scan UDI codes into a receipt"
    __string__ = "Scan into a Receipt"
    __name__ = 'med.receipt.scan.start'
    code = fields.Char(
        "Code", required=True,
        help="Scan the UDI (GS1 or MA) on the package.")
    quantity = fields.Integer(
        "Quantity", required=True,
        domain=[('quantity', '>', 0)],
        help="Packages with this code; 1 for each scan.")
    last_product = fields.Many2One(
        'product.product', "Last Product", readonly=True)
    last_lot = fields.Many2One('stock.lot', "Last Lot", readonly=True)
    last_expiration_date = fields.Date("Expiration Date", readonly=True)
    last_quantity = fields.Float(
        "Quantity on Receipt", readonly=True,
        help="Quantity of the last product and lot on the receipt.")
    receipt_lines = fields.Integer("Receipt Lines", readonly=True)

    @classmethod
    def default_quantity(cls):
        return 1


class ShipmentInReturn(metaclass=PoolMeta):
    __name__ = 'stock.shipment.in.return'
    reason = fields.Selection(
        RETURN_REASONS, "Reason", sort=False,
        states={
            'readonly': Eval('state') != 'draft',
            'required': ~Eval('state').in_(['draft', 'cancelled']),
            },
        help="Why the goods go back to the distributor.")
    reason_string = reason.translated('reason')
    reason_note = fields.Text(
        "Reason Details",
        states={
            'readonly': Eval('state') != 'draft',
            })
    approved_by = fields.Many2One(
        'company.employee', "Approved By", readonly=True,
        help="The warehouse manager who approved the return.")
    approved_at = fields.DateTime("Approved At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        approved = ('approved', "Approved")
        if approved not in cls.state.selection:
            index = [s for s, _ in cls.state.selection].index('assigned')
            cls.state.selection.insert(index + 1, approved)
        # The warehouse manager approves the reserved goods before they
        # leave; a shipped return is never cancelled (it is a reversal).
        cls._transitions -= {('assigned', 'done'), ('done', 'cancelled')}
        cls._transitions |= {
            ('assigned', 'approved'),
            ('approved', 'done'),
            ('approved', 'cancelled'),
            }
        cls._buttons['cancel']['invisible'] = Eval('state').in_(
            ['cancelled', 'done'])
        cls._buttons['do']['invisible'] = Eval('state') != 'approved'
        cls._buttons.update({
                'approve': {
                    'invisible': Eval('state') != 'assigned',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def copy(cls, shipments, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('approved_by')
        default.setdefault('approved_at')
        return super().copy(shipments, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('waiting')
    def wait(cls, shipments, moves=None):
        for shipment in shipments:
            if shipment.state == 'draft':
                shipment.check_return_lots()
        super().wait(shipments, moves=moves)

    def check_return_lots(self):
        "A return names its lots: the distributor and the trace need them"
        for move in self.moves:
            if (move.state not in {'cancelled', 'done'}
                    and move.product.type == 'goods' and not move.lot):
                raise SupplierReturnError(gettext(
                        'med_lowvalue.msg_supplier_return_lot_required',
                        shipment=self.rec_name,
                        product=move.product.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    @set_employee('approved_by')
    def approve(cls, shipments):
        cls.write(shipments, {
                'approved_at': dt.datetime.now(),
                })

    @dualmethod
    @ModelView.button
    def assign_try(cls, shipments, with_childs=None):
        # Recalled and expired lots are precisely what goes back to the
        # distributor: FEFO (lot.py) must not hide them from this assignment.
        with Transaction().set_context(_med_return_to_supplier=True):
            return super().assign_try(shipments, with_childs=with_childs)


class ReceiptSlip(CompanyReport):
    "入库单: the lines received, their lots and prices, with signatures"
    __name__ = 'med.receipt.slip'

    @classmethod
    def get_context(cls, shipments, header, data):
        context = super().get_context(shipments, header, data)
        context['moves'] = cls.moves
        context['move_amount'] = cls.move_amount
        context['amount'] = cls.amount
        return context

    @classmethod
    def moves(cls, shipment):
        return [m for m in shipment.incoming_moves if m.state != 'cancelled']

    @classmethod
    def move_amount(cls, move):
        return (move.unit_price or Decimal(0)) * Decimal(str(move.quantity))

    @classmethod
    def amount(cls, shipment):
        return sum(
            (cls.move_amount(m) for m in cls.moves(shipment)), Decimal(0))


class SupplierReturnSlip(CompanyReport):
    "退货单: what goes back to the distributor, with signatures"
    __name__ = 'med.supplier_return.slip'

    @classmethod
    def get_context(cls, shipments, header, data):
        context = super().get_context(shipments, header, data)
        context['moves'] = cls.moves
        return context

    @classmethod
    def moves(cls, shipment):
        return [m for m in shipment.moves if m.state != 'cancelled']
