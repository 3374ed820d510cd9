# The stock side of 按订单入库 and of supplier returns linked to their
# order (the purchase side, the wizards, is in purchase.py).
#
# A receipt against an order is med_lowvalue's stock.shipment.in with
# receipt_kind 'purchase' and the order in `purchase`; its incoming moves are
# the order's own pending moves (origin purchase.line), so Tryton's purchase
# bookkeeping (received quantities, shipment state, re-created remainders)
# keeps working.  This file adds the order to the receipt, the UDI scan that
# fills the order's moves, the over-receipt gate, the 两票制 data, and the
# link of a supplier return to the order whose lots it sends back.
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If

from med_lowvalue.exceptions import ReceiptError, SupplierReturnError

RECEIVABLE_STATES = ['confirmed', 'processing']
RETURNABLE_STATES = ['confirmed', 'processing', 'done']


def _is_line(origin):
    PurchaseLine = Pool().get('purchase.line')
    return isinstance(origin, PurchaseLine) and origin.id >= 0


def _line_quantity(move, line):
    "The move's quantity in the unit of the purchase line"
    Uom = Pool().get('product.uom')
    return Uom.compute_qty(move.unit, move.quantity, line.unit, round=False)


def _number(quantity, unit):
    "A quantity as the user reads it: 10, not 10.0"
    Lang = Pool().get('ir.lang')
    return Lang.get().format_number(
        quantity, digits=unit.digits if unit else None)


def _is_incoming(move):
    return (move.from_location.type == 'supplier'
        and move.to_location.type != 'supplier')


def _is_return(move):
    return (move.to_location.type == 'supplier'
        and move.from_location.type != 'supplier')


class ShipmentIn(metaclass=PoolMeta):
    __name__ = 'stock.shipment.in'
    purchase = fields.Many2One(
        'purchase.purchase', "Purchase Order",
        domain=[
            ('company', '=', Eval('company', -1)),
            ('party', '=', Eval('supplier', -1)),
            If(Eval('state') == 'draft',
                ('state', 'in', RECEIVABLE_STATES),
                ()),
            ],
        states={
            'readonly': ((Eval('state') != 'draft')
                | Bool(Eval('incoming_moves', [0]))),
            'required': Eval('receipt_kind') == 'purchase',
            'invisible': Eval('receipt_kind') != 'purchase',
            },
        help="The order this delivery is received against (按订单入库).")
    first_invoice_seller = fields.Many2One(
        'party.party', "First Invoice Seller",
        domain=['OR',
            ('is_manufacturer', '=', True),
            ('is_distributor', '=', True),
            ],
        states={
            'readonly': Eval('state') == 'cancelled',
            'invisible': Eval('receipt_kind') == 'gift',
            },
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="两票制: the seller on the first invoice, the manufacturer or "
        "its general agent (总代理), who sold to the distributor.\n"
        "Required to receive high-value consumables against an order.")
    first_invoice_number = fields.Char(
        "First Invoice Number",
        states={
            'readonly': Eval('state') == 'cancelled',
            'invisible': Eval('receipt_kind') == 'gift',
            },
        help="两票制: the number of the invoice from the manufacturer (or "
        "general agent) to the distributor.")
    second_invoice_number = fields.Char(
        "Second Invoice Number",
        states={
            'readonly': Eval('state') == 'cancelled',
            'invisible': Eval('receipt_kind') == 'gift',
            },
        help="两票制: the number of the distributor's invoice to the "
        "hospital, when it comes with the goods.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        if ('purchase', "Purchase") not in cls.receipt_kind.selection:
            cls.receipt_kind.selection = (
                [('purchase', "Purchase")] + cls.receipt_kind.selection)
        cls.receipt_kind.states = cls.receipt_kind.states.copy()
        # The kind of a receipt made from an order stays what it is
        cls.receipt_kind.states['readonly'] = (
            cls.receipt_kind.states.get('readonly', False)
            | Bool(Eval('purchase')))

    @classmethod
    def copy(cls, shipments, default=None):
        default = default.copy() if default is not None else {}
        for field in ['first_invoice_seller', 'first_invoice_number',
                'second_invoice_number']:
            default.setdefault(field)
        return super().copy(shipments, default=default)

    @property
    def purchase_moves(self):
        "Draft incoming moves that come from the lines of this order"
        return [m for m in self.incoming_moves
            if m.state == 'draft' and _is_line(m.origin)
            and m.origin.purchase == self.purchase]

    def add_scanned(self, code, quantity=1):
        """On a receipt against an order, a scan fills the order's move of
        the product: the scanned quantity is taken from the move still
        without lot, split off with the code's lot and expiry.  A product
        not on the order, or more than the order still expects, is refused
        (and the whole scan rolled back)."""
        pool = Pool()
        Barcode = pool.get('med.barcode')
        Product = pool.get('product.product')

        if not self.purchase or self.state != 'draft':
            return super().add_scanned(code, quantity)
        if not quantity or quantity <= 0:
            return super().add_scanned(code, quantity)
        result = Barcode.lookup(code)
        product = Product(result['product'])
        if not any(m.product == product for m in self.purchase_moves):
            raise ReceiptError(gettext(
                    'med_purchase.msg_purchase_receipt_not_ordered',
                    shipment=self.rec_name,
                    product=product.rec_name,
                    purchase=self.purchase.rec_name,
                    warehouse=self.warehouse.rec_name))
        # med_lowvalue's scan reads the code, gates and creates the lot and
        # adds the quantity to a move of this product and lot
        move = super().add_scanned(code, quantity)
        return self._fold_scanned(move, quantity)

    def _fold_scanned(self, scanned, quantity):
        "Put the quantity just added to scanned onto the order's moves"
        Move = Pool().get('stock.move')
        # Fresh records, one instance per move: the scan has just written
        moves = Move.search([
                ('shipment', '=', str(self)),
                ('product', '=', scanned.product.id),
                ('state', '=', 'draft'),
                ], order=[('id', 'ASC')])
        move, = [m for m in moves if m.id == scanned.id]
        lot = move.lot
        move.quantity -= quantity
        purchase_moves = [m for m in moves
            if _is_line(m.origin) and m.origin.purchase == self.purchase]
        pending = [m for m in purchase_moves if not m.lot and m.quantity > 0]
        if _is_line(move.origin):
            # the same order line first
            pending.sort(key=lambda m: m.origin != move.origin)
        source = next((m for m in pending if m.quantity >= quantity), None)
        if not source:
            line = (move.origin if _is_line(move.origin)
                else purchase_moves[0].origin)
            received = self.received_quantity(line)
            if move.origin == line:
                # this very scan is already in the move
                received -= quantity
            raise ReceiptError(gettext(
                    'med_purchase.msg_purchase_receipt_over_scan',
                    shipment=self.rec_name,
                    product=move.product.rec_name,
                    purchase=self.purchase.rec_name,
                    ordered=_number(line.quantity, line.unit),
                    received=_number(received, line.unit),
                    quantity=_number(quantity, line.unit)))
        target = next((m for m in purchase_moves
                if m.lot == lot and m.origin == source.origin), None)
        if target:
            source.quantity -= quantity
            target.quantity += quantity
        elif source.quantity == quantity:
            source.lot = lot
            target = source
        else:
            source.quantity -= quantity
            target = Move(
                shipment=self,
                company=source.company,
                product=source.product,
                unit=source.unit,
                quantity=quantity,
                lot=lot,
                from_location=source.from_location,
                to_location=source.to_location,
                planned_date=source.planned_date,
                origin_planned_date=source.origin_planned_date,
                unit_price=source.unit_price,
                currency=source.currency,
                origin=source.origin,
                state='draft',
                )
        touched = list({id(m): m for m in [target, source, move]}.values())
        to_delete = [m for m in touched if not m.quantity]
        to_save = [m for m in touched if m.quantity]
        if to_save:
            Move.save(to_save)
        if to_delete:
            Move.delete(to_delete)
        return target

    def received_quantity(self, line):
        """What line already has: received on other receipts plus what is
        on this one (scanned or typed with its lot), in the line's unit"""
        quantity = 0
        for move in line.moves:
            if not _is_incoming(move) or move.state == 'cancelled':
                continue
            if move.shipment == self:
                if move.lot or move.state != 'draft':
                    quantity += _line_quantity(move, line)
            elif move.state == 'done':
                quantity += _line_quantity(move, line)
        return line.unit.round(quantity)

    @classmethod
    @ModelView.button
    @Workflow.transition('received')
    def receive(cls, shipments):
        cls.leave_unscanned(shipments)
        # fresh records: the moves left behind are no longer theirs
        super().receive(cls.browse(shipments))

    @classmethod
    def leave_unscanned(cls, shipments):
        """The order's moves still without lot were not delivered: they
        stay on the order, pending, for a later receipt."""
        Move = Pool().get('stock.move')
        unscanned = []
        for shipment in shipments:
            if not shipment.purchase or shipment.state != 'draft':
                continue
            moves = [m for m in shipment.purchase_moves if not m.lot]
            if len(moves) == len([m for m in shipment.incoming_moves
                        if m.state != 'cancelled']):
                raise ReceiptError(gettext(
                        'med_purchase.msg_purchase_receipt_nothing',
                        shipment=shipment.rec_name))
            unscanned.extend(moves)
        if unscanned:
            Move.write(unscanned, {'shipment': None})

    @classmethod
    def check_receipt(cls, shipments):
        Purchase = Pool().get('purchase.purchase')
        super().check_receipt(shipments)
        # Two receipts of the same order line checked at once would both
        # see room for their goods
        Purchase.lock(list({m.origin.purchase for s in shipments
                    for m in s.incoming_moves if _is_line(m.origin)}))
        for shipment in shipments:
            shipment.check_purchase_moves()
            shipment.check_purchase_quantities()
            shipment.check_two_invoices()

    def check_purchase_moves(self):
        "A receipt against an order receives only that order's goods"
        if not self.purchase:
            return
        for move in self.incoming_moves:
            if move.state == 'cancelled':
                continue
            if (not _is_line(move.origin)
                    or move.origin.purchase != self.purchase):
                raise ReceiptError(gettext(
                        'med_purchase.msg_purchase_receipt_foreign_move',
                        shipment=self.rec_name,
                        product=move.product.rec_name,
                        purchase=self.purchase.rec_name))

    def check_purchase_quantities(self):
        """No order line receives more than it ordered, whether scanned or
        typed by hand (returns do not reopen a line: a replacement is a new
        order)."""
        lines = {m.origin for m in self.incoming_moves
            if m.state != 'cancelled' and _is_line(m.origin)
            and m.origin.quantity >= 0}
        for line in sorted(lines, key=lambda l: l.id):
            before = on_receipt = 0
            for move in line.moves:
                if not _is_incoming(move) or move.state == 'cancelled':
                    continue
                if move.shipment == self:
                    on_receipt += _line_quantity(move, line)
                elif move.state == 'done':
                    before += _line_quantity(move, line)
            before = line.unit.round(before)
            on_receipt = line.unit.round(on_receipt)
            if line.unit.round(before + on_receipt - line.quantity) > 0:
                raise ReceiptError(gettext(
                        'med_purchase.msg_purchase_receipt_over',
                        shipment=self.rec_name,
                        product=line.product.rec_name,
                        purchase=line.purchase.rec_name,
                        ordered=_number(line.quantity, line.unit),
                        received=_number(before, line.unit),
                        quantity=_number(on_receipt, line.unit)))

    @property
    def is_purchase_receipt(self):
        return bool(self.purchase) or (
            self.receipt_kind != 'gift'
            and any(_is_line(m.origin) for m in self.incoming_moves))

    def check_two_invoices(self):
        """两票制: high-value consumables received against an order need the
        first invoice (seller and number) on the receipt."""
        if not self.is_purchase_receipt:
            return
        if self.first_invoice_seller and self.first_invoice_number:
            return
        for move in self.incoming_moves:
            if (move.state != 'cancelled' and move.quantity
                    and move.product.template.consumable_class == 'high'):
                raise ReceiptError(gettext(
                        'med_purchase.msg_purchase_receipt_two_invoices',
                        shipment=self.rec_name,
                        product=move.product.rec_name))


class ShipmentInReturn(metaclass=PoolMeta):
    __name__ = 'stock.shipment.in.return'
    purchase = fields.Many2One(
        'purchase.purchase', "Purchase Order",
        domain=[
            ('company', '=', Eval('company', -1)),
            ('party', '=', Eval('supplier', -1)),
            If(Eval('state') == 'draft',
                ('state', 'in', RETURNABLE_STATES),
                ()),
            ],
        states={
            'readonly': Eval('state') != 'draft',
            },
        help="The order whose received lots go back. The lines are linked "
        "to it when the return is submitted; more than the order received "
        "cannot go back.")

    @classmethod
    @ModelView.button
    @Workflow.transition('waiting')
    def wait(cls, shipments, moves=None):
        drafts = [s for s in shipments if s.state == 'draft']
        cls.link_purchase(drafts)
        super().wait(shipments, moves=moves)
        cls.check_purchase_returns(drafts)

    @classmethod
    def link_purchase(cls, shipments):
        """Each line of a return for an order gets, as origin, the order
        line that received its lot, so the order sees what went back."""
        Move = Pool().get('stock.move')
        to_write = defaultdict(list)
        for shipment in shipments:
            if not shipment.purchase:
                continue
            received = defaultdict(list)
            for line in shipment.purchase.line_lines:
                for move in line.moves:
                    if move.state == 'done' and _is_incoming(move):
                        received[move.product, move.lot].append(line)
            for move in shipment.moves:
                if move.state == 'cancelled':
                    continue
                if _is_line(move.origin):
                    if move.origin.purchase == shipment.purchase:
                        continue
                    lines = []
                else:
                    lines = received.get((move.product, move.lot))
                if not lines:
                    raise SupplierReturnError(gettext(
                            'med_purchase.msg_purchase_return_not_received',
                            shipment=shipment.rec_name,
                            product=move.product.rec_name,
                            lot=move.lot.rec_name if move.lot else '',
                            purchase=shipment.purchase.rec_name))
                to_write[lines[0]].append(move)
        for line, moves in to_write.items():
            Move.write(moves, {'origin': str(line)})

    @classmethod
    def check_purchase_returns(cls, shipments):
        """Per order line and lot, what goes back (this return and the
        submitted ones) never exceeds what was received."""
        Purchase = Pool().get('purchase.purchase')
        keys = {(m.origin, m.lot) for s in shipments for m in s.moves
            if m.state != 'cancelled' and _is_line(m.origin)
            and m.origin.quantity >= 0}
        Purchase.lock(list({l.purchase for l, _ in keys}))
        for line, lot in sorted(
                keys, key=lambda k: (k[0].id, k[1].id if k[1] else -1)):
            received = returned = 0
            for move in line.moves:
                if move.lot != lot or move.state == 'cancelled':
                    continue
                if _is_incoming(move) and move.state == 'done':
                    received += _line_quantity(move, line)
                elif _is_return(move) and (move.shipment in shipments
                        or move.state != 'draft'):
                    returned += _line_quantity(move, line)
            if line.unit.round(returned - received) > 0:
                shipment = next(s for s in shipments
                    if any(m.origin == line and m.lot == lot
                        for m in s.moves))
                this = sum(_line_quantity(m, line) for m in shipment.moves
                    if m.origin == line and m.lot == lot
                    and m.state != 'cancelled')
                raise SupplierReturnError(gettext(
                        'med_purchase.msg_purchase_return_over',
                        shipment=shipment.rec_name,
                        product=line.product.rec_name,
                        lot=lot.rec_name if lot else '',
                        purchase=line.purchase.rec_name,
                        quantity=_number(this, line.unit),
                        received=_number(received, line.unit),
                        returned=_number(returned - this, line.unit)))


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'

    @classmethod
    def check_origin(cls, moves, types=None):
        # With purchase installed, a move from or to a supplier without an
        # order line warns.  自主入库 and 赠品入库 have no order by definition,
        # nor does the return of their goods: only the others are checked.
        super().check_origin(
            [m for m in moves if not m.without_order], types=types)

    @property
    def without_order(self):
        pool = Pool()
        ShipmentIn = pool.get('stock.shipment.in')
        ShipmentInReturn = pool.get('stock.shipment.in.return')
        if isinstance(self.shipment, ShipmentIn):
            return self.shipment.receipt_kind in {'self', 'gift'}
        if isinstance(self.shipment, ShipmentInReturn):
            return not self.shipment.purchase
        return False
