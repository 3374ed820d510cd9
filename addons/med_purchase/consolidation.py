# 请领单整合: what approved requisitions of several stores need and the stores
# cannot cover becomes purchase requests, then one purchase order per
# contracted supplier — even when its lines go to different stores.
#
# Every purchase request keeps its requisition line as origin, so an order
# line traces back through purchase_line.requests to the requisitions, and
# a requisition line shows what was ordered for it.
from collections import defaultdict
from dataclasses import dataclass

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta

from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from .exceptions import ConsolidationError



@dataclass
class Shortfall:
    "What one store lacks of one product, and for which requisition lines"
    store: object
    product: object
    pending: float
    stock: float
    on_order: float
    allocation: list  # [(requisition line, quantity in the default unit)]
    catalog: object  # the contract (supplier, price) or None

    @property
    def quantity(self):
        return self.product.default_uom.round(
            sum(q for _, q in self.allocation))


class PurchaseRequest(metaclass=PoolMeta):
    __name__ = 'purchase.request'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() | {'med.requisition.line'}


class RequisitionLine(metaclass=PoolMeta):
    __name__ = 'med.requisition.line'
    purchase_requests = fields.One2Many(
        'purchase.request', 'origin', "Purchase Requests", readonly=True)
    ordered_quantity = fields.Function(fields.Float(
            "Ordered Quantity", digits='unit',
            help="Bought for this line through 请领单整合 "
            "(cancelled orders excluded)."),
        'get_ordered_quantity')

    @classmethod
    def get_ordered_quantity(cls, lines, name):
        pool = Pool()
        Request = pool.get('purchase.request')
        Uom = pool.get('product.uom')
        result = {l.id: 0. for l in lines}
        by_id = {l.id: l for l in lines}
        with without_check_access():
            for sub_lines in grouped_slice(lines, backend.MAX_QUERY_PARAMS):
                requests = Request.search([
                        ('origin', 'in', [str(l) for l in sub_lines]),
                        ('state', 'in', ['draft', 'purchased', 'done']),
                        ])
                for request in requests:
                    line = by_id[request.origin.id]
                    result[line.id] += Uom.compute_qty(
                        request.unit, request.quantity, line.unit,
                        round=False)
        return {i: by_id[i].unit.round(q) for i, q in result.items()}

    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('purchase_requests', None)
        return super().copy(lines, default=default)


class Requisition(metaclass=PoolMeta):
    __name__ = 'med.requisition'
    purchases = fields.Function(fields.Many2Many(
            'purchase.purchase', None, None, "Purchase Orders",
            help="The orders placed for this requisition's shortfalls."),
        'get_purchases')

    @classmethod
    def get_purchases(cls, requisitions, name):
        result = {r.id: [] for r in requisitions}
        with without_check_access():
            for requisition in cls.browse(requisitions):
                purchases = {
                    request.purchase.id
                    for line in requisition.lines
                    for request in line.purchase_requests
                    if request.purchase}
                result[requisition.id] = sorted(purchases)
        return result


class ConsolidateStart(ModelView):
    "Choose the requisitions to consolidate"
    __string__ = "Consolidate Requisitions"
    __name__ = 'med.purchase.consolidate.start'
    requisitions = fields.Many2Many(
        'med.requisition', None, None, "Requisitions", required=True,
        domain=[('state', 'in', ['approved', 'processing'])],
        help="Approved requisitions of any store whose pending quantities "
        "the stores cannot cover.")


class ConsolidateLine(ModelView):
    "What one store lacks of one product"
    __string__ = "Consolidation Line"
    __name__ = 'med.purchase.consolidate.line'
    warehouse = fields.Many2One('stock.location', "Store", readonly=True)
    product = fields.Many2One('product.product', "Product", readonly=True)
    unit = fields.Many2One('product.uom', "Unit", readonly=True)
    pending_quantity = fields.Float(
        "Requested", digits='unit', readonly=True,
        help="Still to issue on the chosen requisitions.")
    stock_quantity = fields.Float(
        "In Stock", digits='unit', readonly=True)
    on_order_quantity = fields.Float(
        "On Order", digits='unit', readonly=True,
        help="Already requested or ordered and not yet received.")
    quantity = fields.Float(
        "To Order", digits='unit', readonly=True)
    supplier = fields.Many2One('party.party', "Supplier", readonly=True)
    unit_price = fields.Numeric("Contract Price", digits=(16, 4),
        readonly=True)
    requisition_lines = fields.Many2Many(
        'med.requisition.line', None, None, "Requisition Lines",
        readonly=True)


class Consolidate(Wizard):
    "请领单整合"
    __name__ = 'med.purchase.consolidate'
    start = StateView('med.purchase.consolidate.start',
        'med_purchase.consolidate_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Compute", 'compute', 'tryton-forward', default=True),
            ])
    compute = StateTransition()
    review = StateView('med.purchase.consolidate.review',
        'med_purchase.consolidate_review_view_form', [
            Button("Back", 'start', 'tryton-back'),
            Button("Create Orders", 'create_', 'tryton-ok', default=True),
            ])
    create_ = StateTransition()
    open_ = StateAction('purchase.act_purchase_form')

    def default_start(self, fields):
        defaults = {}
        if self.model and self.model.__name__ == 'med.requisition':
            defaults['requisitions'] = [r.id for r in self.records
                if r.state in {'approved', 'processing'}]
        return defaults

    def transition_compute(self):
        return 'review'

    def default_review(self, fields):
        # Computed from the requisitions rather than kept in the session:
        # what is shown is what the stores lack right now (and computed
        # again when the orders are created).
        shortfalls = self.shortfalls(self.start.requisitions)
        if not shortfalls:
            raise ConsolidationError(gettext(
                    'med_purchase.msg_consolidate_nothing',
                    requisitions=', '.join(
                        r.rec_name for r in self.start.requisitions)))
        return {
            'lines': [{
                    'warehouse': s.store.id,
                    'product': s.product.id,
                    'unit': s.product.default_uom.id,
                    'pending_quantity': float(s.pending),
                    'stock_quantity': float(s.stock),
                    'on_order_quantity': float(s.on_order),
                    'quantity': float(s.quantity),
                    'supplier': s.catalog.distributor.id if s.catalog else None,
                    'unit_price': s.catalog.contract_price if s.catalog else None,
                    'requisition_lines': [l.id for l, _ in s.allocation],
                    } for s in shortfalls],
            }

    @classmethod
    def shortfalls(cls, requisitions):
        """Per store and product: what the chosen requisitions still wait for
        beyond the store's stock and what is already on order for it.

        Stock covers the earliest requisitions first (the keeper issues in
        that order), so the shortfall is allocated to the latest ones."""
        pool = Pool()
        Line = pool.get('med.requisition.line')
        Uom = pool.get('product.uom')
        Catalog = pool.get('med.catalog')

        needs = defaultdict(list)
        for requisition in sorted(requisitions,
                key=lambda r: (r.request_date, r.id)):
            for line in requisition.lines:
                if line.pending_quantity and line.product.type == 'goods':
                    needs[(requisition.warehouse, line.product)].append(line)

        by_store = defaultdict(set)
        for store, product in needs:
            by_store[store].add(product)
        result = []
        for store in sorted(by_store, key=lambda s: s.id):
            products = sorted(by_store[store], key=lambda p: p.id)
            stock = Line.store_quantities(store, products)
            on_order = cls.on_order_quantities(store, products)
            for product in products:
                unit = product.default_uom
                lines = needs[(store, product)]
                pending = {l: Uom.compute_qty(
                        l.unit, l.pending_quantity, unit, round=False)
                    for l in lines}
                in_stock = stock.get(product.id, 0)
                missing = unit.round(sum(pending.values())
                    - max(in_stock, 0) - on_order.get(product.id, 0))
                if missing <= 0:
                    continue
                allocation = []
                for line in reversed(lines):
                    if missing <= 0:
                        break
                    quantity = unit.round(min(pending[line], missing))
                    allocation.insert(0, (line, quantity))
                    missing = unit.round(missing - quantity)
                result.append(Shortfall(
                        store=store,
                        product=product,
                        pending=unit.round(sum(pending.values())),
                        stock=unit.round(in_stock),
                        on_order=unit.round(on_order.get(product.id, 0)),
                        allocation=allocation,
                        catalog=Catalog.get_price(product)))
        return result

    @classmethod
    def on_order_quantities(cls, store, products):
        """Requested or ordered for the store and not yet received, per
        product id, in the default unit."""
        pool = Pool()
        Request = pool.get('purchase.request')
        PurchaseLine = pool.get('purchase.line')
        Move = pool.get('stock.move')
        Uom = pool.get('product.uom')
        result = defaultdict(float)
        product_ids = [p.id for p in products]

        def add(product, unit, quantity):
            result[product.id] += Uom.compute_qty(
                unit, quantity, product.default_uom, round=False)

        with without_check_access():
            for request in Request.search([
                        ('product', 'in', product_ids),
                        ('warehouse', '=', store.id),
                        ('state', '=', 'draft'),
                        ]):
                add(request.product, request.unit, request.quantity)
            # Orders not confirmed yet have no moves
            for line in PurchaseLine.search([
                        ('product', 'in', product_ids),
                        ('type', '=', 'line'),
                        ('purchase.state', 'in', ['draft', 'quotation']),
                        ['OR',
                            ('delivery_warehouse', '=', store.id),
                            [('delivery_warehouse', '=', None),
                                ('purchase.warehouse', '=', store.id)],
                            ],
                        ]):
                add(line.product, line.unit, line.quantity)
            for move in Move.search([
                        ('product', 'in', product_ids),
                        ('to_location', '=', store.input_location.id),
                        ('state', 'in', ['draft', 'staging']),
                        ('origin', 'like', 'purchase.line,%'),
                        ]):
                add(move.product, move.unit, move.quantity)
        return result

    def transition_create_(self):
        pool = Pool()
        Request = pool.get('purchase.request')
        Date = pool.get('ir.date')
        CreatePurchase = pool.get(
            'purchase.request.create_purchase', type='wizard')
        company = Transaction().context.get('company')
        today = Date.today()
        shortfalls = self.shortfalls(self.start.requisitions)
        missing = [s for s in shortfalls if not s.catalog]
        if missing:
            raise ConsolidationError(gettext(
                    'med_purchase.msg_consolidate_no_supplier',
                    products=', '.join(
                        s.product.rec_name for s in missing)))
        requests = []
        for shortfall in shortfalls:
            product = shortfall.product
            for line, quantity in shortfall.allocation:
                requests.append(Request(
                        product=product,
                        description=product.rec_name,
                        quantity=quantity,
                        unit=product.default_uom,
                        computed_quantity=quantity,
                        computed_unit=product.default_uom,
                        warehouse=shortfall.store,
                        party=shortfall.catalog.distributor,
                        purchase_date=today,
                        company=company,
                        origin=line,
                        ))
        Request.save(requests)
        # Tryton's own grouping makes the orders; the buyer runs it without
        # being in its Purchase Request group (wizard access is per user).
        with Transaction().set_user(0):
            session_id, _, _ = CreatePurchase.create()
        try:
            with Transaction().set_context(
                    active_model='purchase.request',
                    active_ids=[r.id for r in requests],
                    active_id=requests[0].id if requests else None,
                    med_consolidate=True):
                create = CreatePurchase(session_id)
                create.transition_start()
        finally:
            with Transaction().set_user(0):
                CreatePurchase.delete(session_id)
        self._purchases = sorted({
                r.purchase.id for r in Request.browse(requests)
                if r.purchase})
        return 'open_'

    def do_open_(self, action):
        action['domains'] = []
        action['name'] = gettext('med_purchase.msg_consolidate_orders')
        purchases = getattr(self, '_purchases', [])
        return action, {'res_id': purchases}


class ConsolidateReview(ModelView):
    "Review what will be ordered"
    __string__ = "Consolidation Review"
    __name__ = 'med.purchase.consolidate.review'
    lines = fields.One2Many(
        'med.purchase.consolidate.line', None, "Lines", readonly=True)


class CreatePurchase(metaclass=PoolMeta):
    "One order per supplier: the store goes on each line, not in the key"
    __name__ = 'purchase.request.create_purchase'

    @classmethod
    def _group_purchase_key(cls, requests, request):
        key = super()._group_purchase_key(requests, request)
        if not Transaction().context.get('med_consolidate'):
            return key
        # The order is placed from the central store; each line carries the
        # store it is delivered to.
        central = cls._central_store(requests, request)
        return tuple(
            (k, central if k == 'warehouse' else v) for k, v in key)

    def _group_purchase_line_key(self, request):
        key = super()._group_purchase_line_key(request)
        if Transaction().context.get('med_consolidate'):
            key += (('delivery_warehouse', request.warehouse),)
        return key

    @classmethod
    def _central_store(cls, requests, request):
        "The central store if one is among the requests' stores"
        stores = {r.warehouse for r in requests if r.party == request.party}
        centrals = [s for s in stores
            if getattr(s, 'warehouse_kind', None) == 'central']
        if centrals:
            return min(centrals, key=lambda s: s.id)
        return min(stores, key=lambda s: s.id)
