# 按请领出库 / 出库单制作 / 按请领入库: issues to departments are Tryton
# internal shipments from the supplying store to the department store,
# through the transit location: the keeper ships, the department receives.
import datetime as dt
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, dualmethod, fields
from trytond.modules.company import CompanyReport
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from med_consumables_base.tools import format_quantity

from .exceptions import IssueError, ReceiptError
from .document import PdfWhenAvailableMixin

# Products per call of stock.move assign_try: it matches each move against
# every (location, product, lot) quantity of the call, so one call for a
# 1,000-line issue costs moves × stock keys (bench/requisition.py).
ASSIGN_PRODUCTS = 25


class ShipmentInternal(metaclass=PoolMeta):
    __name__ = 'stock.shipment.internal'
    department = fields.Many2One(
        'med.department', "Department", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states={
            'readonly': (~Eval('state').in_(['request', 'draft'])
                | Bool(Eval('requisition'))),
            },
        help="The department this issue supplies (its store receives).")
    requisition = fields.Many2One(
        'med.requisition', "Requisition", readonly=True, ondelete='RESTRICT',
        states={
            'invisible': ~Eval('requisition'),
            })
    receipt_difference = fields.Function(fields.Boolean(
            "Receipt Difference",
            help="The department received less than was shipped."),
        'get_receipt_difference')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # A receipt difference goes from transit to lost and found
        difference = [
            ('from_location', '=', Eval('transit_location', -1)),
            ('to_location.type', '=', 'lost_found'),
            ('difference_reason', '!=', None),
            ]
        cls.moves.domain = ['OR', cls.moves.domain, difference]
        cls.incoming_moves.domain = [
            'OR', cls.incoming_moves.domain, difference]
        cls._buttons.update({
                'department_receive': {
                    'invisible': ((Eval('state') != 'shipped')
                        | ~Eval('department')),
                    'icon': 'tryton-ok',
                    'depends': ['state', 'department'],
                    },
                })

    @fields.depends(
        'department', 'state', 'from_location', 'to_location', 'moves')
    def on_change_department(self):
        if (self.department and self.state in {'request', 'draft'}
                and not self.moves):
            supply = self.department.supply_warehouse
            if supply and supply.storage_location:
                self.from_location = supply.storage_location
            store = self.department.warehouse
            if store and store.storage_location:
                self.to_location = store.storage_location

    def get_receipt_difference(self, name):
        return any(
            m.to_location.type == 'lost_found' and m.difference_reason
            for m in self.moves)

    @classmethod
    def validate_fields(cls, shipments, field_names):
        super().validate_fields(shipments, field_names)
        if field_names and not {
                'department', 'to_location', 'from_location'} & field_names:
            return
        for shipment in shipments:
            department = shipment.department
            if not department:
                continue
            to_store = shipment.to_location.warehouse
            if to_store != department.warehouse:
                raise IssueError(gettext(
                        'med_lowvalue.msg_issue_wrong_store',
                        shipment=shipment.rec_name,
                        location=shipment.to_location.rec_name,
                        department=department.rec_name,
                        store=department.warehouse.rec_name))

    @classmethod
    def check_modification(cls, mode, shipments, values=None, external=False):
        super().check_modification(
            mode, shipments, values=values, external=external)
        if mode == 'delete':
            # Issues to departments are reversed (cancelled), never erased
            for shipment in shipments:
                if shipment.department and shipment.state != 'draft':
                    raise IssueError(gettext(
                            'med_lowvalue.msg_issue_delete',
                            shipment=shipment.rec_name))

    @classmethod
    def copy(cls, shipments, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('requisition', None)
        return super().copy(shipments, default=default)

    # -- issue by requisition ---------------------------------------------

    @classmethod
    def create_from_requisitions(cls, requisitions):
        """Create, wait and assign one issue per requisition for what is
        pending, lot by lot (first expiry first out).  What the store cannot
        cover is left pending on the requisition.

        Returns the assigned shipments and the requisitions that got nothing.
        """
        pool = Pool()
        Move = pool.get('stock.move')
        Date = pool.get('ir.date')
        shipments = []
        for requisition in requisitions:
            lines = [l for l in requisition.lines if l.pending_quantity > 0]
            if not lines:
                continue
            with Transaction().set_context(company=requisition.company.id):
                today = Date.today()
            department = requisition.department
            from_location = requisition.warehouse.storage_location
            to_location = department.warehouse.storage_location
            shipment = cls(
                company=requisition.company,
                department=department,
                requisition=requisition,
                reference=requisition.number,
                from_location=from_location,
                to_location=to_location,
                planned_date=today,
                planned_start_date=today,
                )
            moves = []
            for line in lines:
                move = Move(
                    company=requisition.company,
                    product=line.product,
                    unit=line.unit,
                    quantity=line.pending_quantity,
                    from_location=from_location,
                    to_location=to_location,
                    planned_date=today,
                    origin=line,
                    )
                moves.append(move)
            shipment.moves = moves
            shipments.append(shipment)
        if not shipments:
            return [], list(requisitions)
        cls.save(shipments)
        cls.wait(shipments)
        shipments = cls.browse(shipments)
        by_product = defaultdict(list)
        for move in (m for s in shipments for m in s.outgoing_moves):
            by_product[move.product.id].append(move)
        for products in grouped_slice(sorted(by_product), ASSIGN_PRODUCTS):
            # Browsed apart: each call reads only its own moves again
            Move.assign_try(
                Move.browse([m.id for p in products for m in by_product[p]]),
                grouping=('product', 'lot'))
        shipments = cls.browse(shipments)
        # What could not be assigned stays pending on the requisition line
        Move.delete([
                m for s in shipments for m in s.outgoing_moves
                if m.state in {'draft', 'staging'}])
        shipments = cls.browse(shipments)
        cls._sync_moves(shipments)
        shipments = cls.browse(shipments)
        Move.delete([
                m for s in shipments for m in s.incoming_moves
                if m.state == 'draft' and not m.quantity])
        shipments = cls.browse(shipments)
        issued = [s for s in shipments if s.outgoing_moves]
        empty = [s for s in shipments if not s.outgoing_moves]
        if empty:
            cls.draft(empty)
            cls.delete(empty)
        if issued:
            cls.assign(issued)
        issued_requisitions = {s.requisition for s in issued}
        return issued, [
            r for r in requisitions if r not in issued_requisitions]

    @dualmethod
    @ModelView.button
    def assign_try(cls, shipments):
        # Issues to departments are assigned lot by lot, first expiry first
        issues = [s for s in shipments if s.department]
        others = [s for s in shipments if not s.department]
        if issues:
            with Transaction().set_context(_med_assign_by_lot=True):
                super().assign_try(issues)
        if others:
            super().assign_try(others)

    # -- leaving the store -------------------------------------------------

    @classmethod
    def _issue_moves(cls, shipments):
        "The moves that take stock out of the supplying store"
        return [
            m for s in shipments if s.department
            for m in s.outgoing_moves
            if m.state not in {'done', 'cancelled'} and m.quantity]

    @classmethod
    def check_issue(cls, shipments):
        """Lock the products and refuse unusable lots; warn once for lots
        near expiry and record who accepted them."""
        pool = Pool()
        Lot = pool.get('stock.lot')
        Move = pool.get('stock.move')
        Product = pool.get('product.product')
        moves = cls._issue_moves(shipments)
        if not moves:
            return
        # Taken at the start of the transaction (Tryton restarts it), so
        # that a concurrent issue of the same product is seen in full.
        Product.lock(list({m.product for m in moves}))
        user = Transaction().user
        now = dt.datetime.now()
        to_write = []
        for shipment in shipments:
            s_moves = [m for m in moves if m.shipment == shipment]
            lots = sorted(
                {m.lot for m in s_moves if m.lot}, key=lambda l: l.id)
            near = Lot.check_usable(
                lots, warning_key=f'med_issue_near_expiry.{shipment.id}')
            accepted = [m for m in s_moves if m.lot in near]
            if accepted:
                to_write.extend([accepted, {
                            'expiry_accepted_by': user,
                            'expiry_accepted_at': now,
                            }])
        if to_write:
            Move.write(*to_write)

    @classmethod
    def check_issue_stock(cls, shipments):
        """After the stock left: the store must not hold less than nothing
        of any product or lot it issued (checked under the products' lock)."""
        pool = Pool()
        Date = pool.get('ir.date')
        Product = pool.get('product.product')
        Lang = pool.get('ir.lang')
        moves = [
            m for s in shipments if s.department
            for m in s.outgoing_moves
            if m.state == 'done' and m.from_location.type == 'storage']
        if not moves:
            return
        lang = Lang.get()
        by_company = defaultdict(list)
        for move in moves:
            by_company[move.company].append(move)
        for company, c_moves in by_company.items():
            with Transaction().set_context(company=company.id):
                today = Date.today()
            location_ids = list({m.from_location.id for m in c_moves})
            product_ids = list({m.product.id for m in c_moves})
            with without_check_access(), Transaction().set_context(
                    company=company.id, stock_date_end=today):
                by_lot = Product.products_by_location(
                    location_ids, with_childs=True,
                    grouping=('product', 'lot'),
                    grouping_filter=(product_ids,))
                by_product = Product.products_by_location(
                    location_ids, with_childs=True,
                    grouping=('product',),
                    grouping_filter=(product_ids,))
            issued = defaultdict(float)
            for move in c_moves:
                issued[cls._stock_key(move)] += move.internal_quantity
            for move in c_moves:
                key = cls._stock_key(move)
                quantity = (by_lot if move.lot else by_product).get(key, 0)
                uom = move.product.default_uom
                if uom.round(quantity) < 0:
                    raise IssueError(gettext(
                            'med_lowvalue.msg_issue_insufficient_stock',
                            product=move.product.rec_name,
                            lot=move.lot.rec_name if move.lot else '-',
                            location=move.from_location.rec_name,
                            available=format_quantity(
                                quantity + issued[key], uom, lang),
                            quantity=format_quantity(issued[key], uom, lang)))

    @staticmethod
    def _stock_key(move):
        if move.lot:
            return (move.from_location.id, move.product.id, move.lot.id)
        return (move.from_location.id, move.product.id)

    @classmethod
    @ModelView.button
    @Workflow.transition('shipped')
    def ship(cls, shipments):
        cls.check_issue(shipments)
        super().ship(shipments)
        cls.check_issue_stock(shipments)
        cls._update_requisitions(shipments)

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def do(cls, shipments):
        # Without transit the stock leaves and arrives in one step
        direct = [s for s in shipments if not s.transit_location]
        cls.check_issue(direct)
        super().do(shipments)
        cls.check_issue_stock(direct)
        cls._update_requisitions(shipments)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, shipments):
        super().cancel(shipments)
        cls._update_requisitions(shipments)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, shipments):
        pool = Pool()
        Move = pool.get('stock.move')
        # Tryton drops the incoming moves (which carry the requisition line)
        # when an issue with transit goes back to draft: hand the line over
        # to the outgoing moves that stay.
        to_save = []
        for shipment in shipments:
            if not shipment.requisition:
                continue
            for move in shipment.moves:
                origin = move.origin
                if (isinstance(origin, Move)
                        and origin.from_location == move.to_location
                        and origin.origin):
                    move.origin = origin.origin
                    to_save.append(move)
        Move.save(to_save)
        super().draft(shipments)

    @classmethod
    def _update_requisitions(cls, shipments):
        pool = Pool()
        Requisition = pool.get('med.requisition')
        requisitions = {s.requisition for s in shipments if s.requisition}
        if requisitions:
            Requisition.update_state(list(requisitions))

    # -- department receipt ------------------------------------------------

    @classmethod
    @ModelView.button_action('med_lowvalue.wizard_issue_receive')
    def department_receive(cls, shipments):
        pass

    @classmethod
    def receive_by_department(cls, shipment, received):
        """Complete the issue as the department received it.

        received maps incoming move to (quantity, reason).  A shortfall moves
        from transit to the supplying store's lost and found location, with
        its reason, so that it never silently vanishes; the requisition line
        sees it as not received and issues it again.
        """
        pool = Pool()
        Move = pool.get('stock.move')
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        if shipment.state != 'shipped':
            raise ReceiptError(gettext(
                    'med_lowvalue.msg_issue_receive_state',
                    shipment=shipment.rec_name))
        lost_found = cls._receipt_lost_found(shipment)
        to_write = []
        for move, (quantity, reason) in received.items():
            if move.shipment != shipment or move.state in {
                    'done', 'cancelled'}:
                continue
            unit = move.unit
            quantity = unit.round(quantity or 0)
            if quantity < 0 or quantity > move.quantity:
                raise ReceiptError(gettext(
                        'med_lowvalue.msg_issue_receive_quantity',
                        product=move.product.rec_name,
                        quantity=format_quantity(quantity, unit, lang),
                        shipped=format_quantity(move.quantity, unit, lang)))
            shortfall = unit.round(move.quantity - quantity)
            if not shortfall:
                continue
            reason = (reason or '').strip()
            if not reason:
                raise ReceiptError(gettext(
                        'med_lowvalue.msg_issue_receive_reason',
                        product=move.product.rec_name,
                        shortfall=format_quantity(shortfall, unit, lang)))
            if quantity:
                Move.copy([move], default={
                        'quantity': shortfall,
                        'to_location': lost_found.id,
                        'difference_reason': reason,
                        })
                to_write.extend([[move], {'quantity': quantity}])
            else:
                to_write.extend([[move], {
                            'to_location': lost_found.id,
                            'difference_reason': reason,
                            }])
        if to_write:
            Move.write(*to_write)
        cls.do([shipment])

    @classmethod
    def _receipt_lost_found(cls, shipment):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Location = pool.get('stock.location')
        # the store's own, or the hospital's (med_consumables_base)
        location = shipment.from_location.lost_found_used
        if location:
            return location
        return Location(ModelData.get_id('stock', 'location_lost_found'))


class IssueReceiveStart(ModelView):
    "Receive an issue"
    __string__ = "Receive an Issue"
    __name__ = 'med.issue.receive.start'
    shipment = fields.Many2One(
        'stock.shipment.internal', "Issue", readonly=True)
    lines = fields.One2Many(
        'med.issue.receive.line', 'parent', "Lines",
        help="Enter what arrived; give a reason for any shortfall.")


class IssueReceiveLine(ModelView):
    "Received quantity of an issue move"
    __string__ = "Issue Receipt Line"
    __name__ = 'med.issue.receive.line'
    parent = fields.Many2One('med.issue.receive.start', "Parent")
    move = fields.Many2One('stock.move', "Move", readonly=True)
    product = fields.Many2One('product.product', "Product", readonly=True)
    lot = fields.Many2One('stock.lot', "Lot", readonly=True)
    expiration_date = fields.Date("Expiration Date", readonly=True)
    unit = fields.Many2One('product.uom', "Unit", readonly=True)
    quantity = fields.Float("Shipped", digits='unit', readonly=True)
    received_quantity = fields.Float(
        "Received", digits='unit', required=True,
        domain=[
            ('received_quantity', '>=', 0),
            ('received_quantity', '<=', Eval('quantity', 0)),
            ])
    reason = fields.Char(
        "Difference Reason",
        states={
            'required': (
                Eval('received_quantity', 0) < Eval('quantity', 0)),
            })


class IssueReceive(Wizard):
    "按请领入库: the department confirms what arrived"
    __name__ = 'med.issue.receive'
    start = StateView(
        'med.issue.receive.start',
        'med_lowvalue.issue_receive_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Receive", 'receive', 'tryton-ok', default=True),
            ])
    receive = StateTransition()

    def default_start(self, fields):
        shipment = self.record
        if shipment.state != 'shipped':
            raise ReceiptError(gettext(
                    'med_lowvalue.msg_issue_receive_state',
                    shipment=shipment.rec_name))
        lines = []
        for move in shipment.incoming_moves:
            if move.state in {'done', 'cancelled'} or not move.quantity:
                continue
            lines.append({
                    'move': move.id,
                    'product': move.product.id,
                    'lot': move.lot.id if move.lot else None,
                    'expiration_date': (
                        move.lot.expiration_date if move.lot else None),
                    'unit': move.unit.id,
                    'quantity': move.quantity,
                    'received_quantity': move.quantity,
                    })
        return {
            'shipment': shipment.id,
            'lines': lines,
            }

    def transition_receive(self):
        received = {
            l.move: (l.received_quantity, l.reason) for l in self.start.lines}
        # The wizard is for department users (its action's groups) and
        # reads the issue through their rules; receiving is internal.
        with without_check_access():
            self.model.receive_by_department(self.record, received)
        return 'end'


class IssueReport(PdfWhenAvailableMixin, CompanyReport):
    "出库单"
    __name__ = 'med.issue.report'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['issued_moves'] = cls.issued_moves
        context['difference_moves'] = cls.difference_moves
        return context

    @classmethod
    def issued_moves(cls, shipment):
        return sorted(
            (m for m in shipment.outgoing_moves
                if m.state != 'cancelled' and m.quantity),
            key=lambda m: (m.product.rec_name, m.lot.number if m.lot else '',
                m.id))

    @classmethod
    def difference_moves(cls, shipment):
        return [
            m for m in shipment.moves
            if m.difference_reason and m.state != 'cancelled']
