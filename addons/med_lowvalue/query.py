# 入库单查询 and 出库单查询: the done stock moves that entered the stores
# from suppliers and that left them for departments, clinical consumption
# or suppliers, one line per move with the columns a keeper reads.
from sql import Null
from sql.conditionals import Case, Coalesce

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.product import price_digits
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .stock_position import search_ids


class MoveQueryContext(ModelView):
    "Stock document query filters"
    __string__ = "Stock Document Query Filters"
    __name__ = 'med.stock.move.query.context'
    from_date = fields.Date(
        "From Date",
        domain=['OR',
            ('from_date', '<=', Eval('to_date', None)),
            ('to_date', '=', None),
            ])
    to_date = fields.Date(
        "To Date",
        domain=['OR',
            ('to_date', '>=', Eval('from_date', None)),
            ('from_date', '=', None),
            ])
    warehouse = fields.Many2One(
        'stock.location', "Store", domain=[('type', '=', 'warehouse')])
    department = fields.Many2One('med.department', "Department")
    supplier = fields.Many2One('party.party', "Supplier")
    product = fields.Many2One('product.product', "Product")
    lot = fields.Many2One(
        'stock.lot', "Lot",
        domain=[
            If(Eval('product'),
                ('product', '=', Eval('product', -1)),
                ()),
            ])

    @classmethod
    def default_from_date(cls):
        context = Transaction().context
        if 'from_date' in context:
            return context['from_date']
        return Pool().get('ir.date').today().replace(day=1)

    @classmethod
    def default_to_date(cls):
        return Transaction().context.get('to_date')


class MoveQueryMixin:
    __slots__ = ()
    _direction = None

    company = fields.Many2One('company.company', "Company", readonly=True)
    date = fields.Date("Date", readonly=True)
    move = fields.Many2One('stock.move', "Move", readonly=True)
    document = fields.Reference(
        "Document", selection='get_documents', readonly=True)
    warehouse = fields.Many2One('stock.location', "Store", readonly=True)
    from_location = fields.Many2One(
        'stock.location', "From Location", readonly=True)
    to_location = fields.Many2One(
        'stock.location', "To Location", readonly=True)
    supplier = fields.Many2One('party.party', "Supplier", readonly=True)
    department = fields.Many2One(
        'med.department', "Department", readonly=True)
    product = fields.Many2One('product.product', "Product", readonly=True)
    specification = fields.Char("Specification", readonly=True)
    consumable_class = fields.Selection(
        'get_consumable_classes', "Consumable Class", readonly=True)
    lot = fields.Many2One('stock.lot', "Lot", readonly=True)
    expiration_date = fields.Date("Expiration Date", readonly=True)
    quantity = fields.Float("Quantity", digits='unit', readonly=True)
    unit = fields.Many2One('product.uom', "Unit", readonly=True)
    unit_price = fields.Numeric(
        "Unit Price", digits=price_digits, readonly=True)
    currency = fields.Many2One('currency.currency', "Currency", readonly=True)
    amount = fields.Numeric("Amount", digits=(16, 2), readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        return search_ids(super(), cls, domain, offset=offset, limit=limit,
            order=order, count=count, query=query)

    @classmethod
    def get_documents(cls):
        Move = Pool().get('stock.move')
        shipments = Move.get_shipment()
        names = {m for m, _ in shipments}
        return shipments + [
            o for o in Move.get_origin() if o[0] not in names]

    @classmethod
    def get_consumable_classes(cls):
        Template = Pool().get('product.template')
        return Template.fields_get(['consumable_class'])[
            'consumable_class']['selection']

    @classmethod
    def table_query(cls):
        pool = Pool()
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        Position = pool.get('med.stock.position')
        Department = pool.get('med.department')
        ShipmentIn = pool.get('stock.shipment.in')
        ShipmentInReturn = pool.get('stock.shipment.in.return')
        ShipmentInternal = pool.get('stock.shipment.internal')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        Lot = pool.get('stock.lot')
        Company = pool.get('company.company')
        CostPrice = pool.get('product.cost_price')
        move = Move.__table__()
        from_location = Location.__table__()
        to_location = Location.__table__()
        from_store = Position._location_warehouse()
        to_store = Position._location_warehouse()
        shipment_store = Position._location_warehouse()
        department_to = Department.__table__()
        department_shipment = Department.__table__()
        department_from = Department.__table__()
        shipment_in = ShipmentIn.__table__()
        shipment_return = ShipmentInReturn.__table__()
        shipment_internal = ShipmentInternal.__table__()
        product = Product.__table__()
        template = Template.__table__()
        lot = Lot.__table__()
        company = Company.__table__()
        cost_price = CostPrice.__table__()
        context = Transaction().context

        def shipment_of(Shipment, table):
            return (move.shipment.like(Shipment.__name__ + ',%')
                & (Move.shipment.sql_id(move.shipment, Move) == table.id))

        from_ = (move
            .join(from_location,
                condition=move.from_location == from_location.id)
            .join(to_location, condition=move.to_location == to_location.id)
            .join(from_store, 'LEFT',
                condition=move.from_location == from_store.location)
            .join(to_store, 'LEFT',
                condition=move.to_location == to_store.location)
            .join(shipment_in, 'LEFT',
                condition=shipment_of(ShipmentIn, shipment_in))
            .join(shipment_return, 'LEFT',
                condition=shipment_of(ShipmentInReturn, shipment_return))
            .join(shipment_internal, 'LEFT',
                condition=shipment_of(ShipmentInternal, shipment_internal))
            .join(shipment_store, 'LEFT',
                condition=shipment_internal.to_location
                == shipment_store.location)
            .join(department_to, 'LEFT',
                condition=department_to.warehouse == to_store.warehouse)
            .join(department_shipment, 'LEFT',
                condition=department_shipment.warehouse
                == shipment_store.warehouse)
            .join(department_from, 'LEFT',
                condition=department_from.warehouse == from_store.warehouse)
            .join(product, condition=move.product == product.id)
            .join(template, condition=product.template == template.id)
            .join(lot, 'LEFT', condition=move.lot == lot.id)
            .join(company, condition=move.company == company.id)
            .join(cost_price, 'LEFT',
                condition=(cost_price.product == move.product)
                & (cost_price.company == move.company)))

        date = Coalesce(move.effective_date, move.planned_date)
        supplier = Coalesce(shipment_in.supplier, shipment_return.supplier)
        department = Coalesce(
            department_to.id, department_shipment.id, department_from.id)
        to_supplier = to_location.type == 'supplier'
        if cls._direction == 'in':
            warehouse = to_store.warehouse
            where = ((from_location.type == 'supplier')
                & (to_store.warehouse != Null))
            unit_price = move.unit_price
            amount = move.quantity * move.unit_price
        else:
            warehouse = from_store.warehouse
            where = ((from_store.warehouse != Null)
                & to_location.type.in_(['customer', 'supplier', 'storage'])
                & ((to_store.warehouse == Null)
                    | (to_store.warehouse != from_store.warehouse)))
            # What leaves for a supplier is valued at the price the supplier
            # refunds; what is issued, at cost.
            cost = Coalesce(move.cost_price, cost_price.cost_price)
            unit_price = Case((to_supplier, move.unit_price), else_=cost)
            amount = Case(
                (to_supplier, move.quantity * move.unit_price),
                else_=move.internal_quantity * cost)
        where &= move.state == 'done'

        if context.get('from_date'):
            where &= date >= context['from_date']
        if context.get('to_date'):
            where &= date <= context['to_date']
        if context.get('warehouse'):
            where &= warehouse == context['warehouse']
        if context.get('department'):
            where &= department == context['department']
        if context.get('supplier'):
            where &= supplier == context['supplier']
        if context.get('product'):
            where &= move.product == context['product']
        if context.get('lot'):
            where &= move.lot == context['lot']

        return from_.select(
            move.id.as_('id'),
            move.company.as_('company'),
            date.as_('date'),
            move.id.as_('move'),
            Coalesce(move.shipment, move.origin).as_('document'),
            warehouse.as_('warehouse'),
            move.from_location.as_('from_location'),
            move.to_location.as_('to_location'),
            supplier.as_('supplier'),
            department.as_('department'),
            move.product.as_('product'),
            template.specification.as_('specification'),
            template.consumable_class.as_('consumable_class'),
            move.lot.as_('lot'),
            lot.expiration_date.as_('expiration_date'),
            move.quantity.as_('quantity'),
            move.unit.as_('unit'),
            Move.unit_price.sql_cast(unit_price).as_('unit_price'),
            company.currency.as_('currency'),
            Move.unit_price.sql_cast(amount).as_('amount'),
            where=where)


class ReceiptQuery(MoveQueryMixin, ModelSQL, ModelView):
    "Receipt query (入库单查询): what suppliers delivered into the stores"
    __string__ = "Receipt Query"
    __name__ = 'med.stock.receipt.query'
    _direction = 'in'


class IssueQuery(MoveQueryMixin, ModelSQL, ModelView):
    "Issue query (出库单查询): what left the stores"
    __string__ = "Issue Query"
    __name__ = 'med.stock.issue.query'
    _direction = 'out'
