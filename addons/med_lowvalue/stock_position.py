# 库存查询: a running stock balance per (location, product, lot), kept up
# to date by the moves themselves, and the stock position users query.
#
# Tryton computes stock by summing every move of the history
# (products_by_location); that cost grows with the history even with closed
# periods (DESIGN §3: 3.1 s for one warehouse at 1M moves).  The balance
# table answers the same question with an index lookup whose cost depends
# on the stock held, not on the history.
import datetime as dt
import logging
from collections import defaultdict

import sql
from sql import Conflict, Literal, Null, Union
from sql.aggregate import Sum
from sql.conditionals import Case, Coalesce
from sql.functions import CurrentTimestamp
from sql.operators import Exists

from trytond import backend
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from med_consumables_base.tools import today as _today

from .lot import NEAR_EXPIRY_DAYS

logger = logging.getLogger(__name__)

EXPIRY_STATES = [
    ('none', "No Expiry"),
    ('valid', "Valid"),
    ('near', "Near Expiry"),
    ('expired', "Expired"),
    ]
# What a lot's stock is worth to a hospital: a recalled lot is blocked
# whatever its expiry (Lot.is_usable is the same rule for one lot).
LOT_STATES = EXPIRY_STATES + [
    ('recalled', "Recalled"),
    ]
# Only stock that lies somewhere is a balance: supplier, customer,
# lost-and-found and production locations would collect a row per lot ever
# seen (the cost DESIGN §3 measured on period caches) and nobody asks for
# their "stock".
BALANCE_LOCATION_TYPES = ('storage',)
# Rows per UPSERT statement: 8 values each, far below every backend's
# parameter limit.
UPSERT_ROWS = 500


class _Excluded(sql._Excluded):
    # python-sql writes "EXCLUDED", which PostgreSQL, quoted, takes for
    # another table; the special table is excluded (SQLite ignores case)
    @property
    def alias(self):
        return 'excluded'


EXCLUDED = _Excluded()


def search_ids(super_, cls, domain, offset=0, limit=None, order=None,
        count=False, query=False):
    """ModelSQL.search of a read-only table_query model, selecting ids only.

    Tryton's search also selects every column to fill the record cache, then
    keeps only timestamps: for a list of a thousand lines that is a thousand
    rows converted for nothing before read converts them again.
    """
    if count or query:
        return super_.search(domain, offset=offset, limit=limit,
            order=order, count=count, query=query)
    select = super_.search(domain, offset=offset, limit=limit,
        order=order, query=True)
    cursor = Transaction().connection.cursor()
    cursor.execute(*select)
    return cls.browse([id_ for id_, in cursor])


class StockBalance(ModelSQL, ModelView):
    "Stock balance: quantity of a product (and lot) in a location"
    __string__ = "Stock Balance"
    __name__ = 'med.stock.balance'
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    location = fields.Many2One(
        'stock.location', "Location", required=True, readonly=True,
        ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Product", required=True, readonly=True,
        ondelete='CASCADE')
    lot = fields.Many2One(
        'stock.lot', "Lot", readonly=True, ondelete='CASCADE')
    # The key of the UPSERT needs the lot, but NULLs never conflict in a
    # unique constraint: a lot-less balance has lot_key 0, any other its
    # lot's id.
    lot_key = fields.Integer("Lot Key", required=True, readonly=True)
    quantity = fields.Float(
        "Quantity", digits='unit', readonly=True,
        help="The quantity of every done move, in the product's unit.")
    unit = fields.Function(
        fields.Many2One('product.uom', "Unit"), 'get_unit')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.product, Index.Range())),
                Index(t, (t.lot, Index.Range())),
                })
        # Location first: the stock of a store is read by location
        cls._sql_constraints += [
            ('balance_key', Unique(
                    t, t.location, t.product, t.lot_key, t.company),
                'med_lowvalue.msg_stock_balance_key'),
            ]
        cls._order = [('location', 'ASC'), ('product', 'ASC'), ('id', 'ASC')]

    @classmethod
    def __register__(cls, module_name):
        if backend.TableHandler.table_exist(cls._table):
            table_h = cls.__table_handler__(module_name)
            if not table_h.column_exist('lot_key'):
                # Until 2026-12 the key was a unique index on
                # COALESCE(lot, 0) (one Tryton cannot declare): fill lot_key
                # from the lot before the constraint is added, and drop the
                # index (on SQLite it had the constraint's old name; on
                # PostgreSQL it stays, as strict as the constraint).
                table_h.add_column('lot_key', cls.lot_key._sql_type)
                table = cls.__table__()
                cursor = Transaction().connection.cursor()
                cursor.execute(*table.update([table.lot_key],
                        [Coalesce(table.lot, 0)]))
                table_h.drop_constraint('key')
        super().__register__(module_name)

    @classmethod
    def default_lot_key(cls):
        return 0

    @classmethod
    def get_unit(cls, balances, name):
        return {b.id: b.product.default_uom.id for b in balances}

    @classmethod
    def _location_ids(cls):
        "Ids of the locations that hold a balance"
        Location = Pool().get('stock.location')
        location = Location.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*location.select(
                location.id,
                where=location.type.in_(list(BALANCE_LOCATION_TYPES))))
        return {i for i, in cursor}

    @classmethod
    def apply_moves(cls, moves, sign=1):
        """Add (sign=1) or remove (sign=-1) done moves from the balances.

        The quantities are read back from the table so that the balance
        follows what is stored, whatever the instances passed hold.
        """
        pool = Pool()
        Move = pool.get('stock.move')
        move = Move.__table__()
        cursor = Transaction().connection.cursor()
        ids = sorted({m.id for m in moves})
        if not ids:
            return
        locations = cls._location_ids()
        deltas = defaultdict(float)
        for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*move.select(
                    move.company, move.from_location, move.to_location,
                    move.product, move.lot, move.internal_quantity,
                    where=fields.SQL_OPERATORS['in'](move.id, list(sub_ids))))
            for (company, from_, to, product, lot, quantity) in cursor:
                if not quantity:
                    continue
                if from_ in locations:
                    deltas[(from_, product, lot, company)] -= sign * quantity
                if to in locations:
                    deltas[(to, product, lot, company)] += sign * quantity
        cls._upsert(deltas)

    @classmethod
    def _upsert(cls, deltas):
        """Add each delta to its balance row, creating the row if missing.

        One INSERT ... ON CONFLICT DO UPDATE per chunk of keys: the rows are
        locked in the mover's transaction, always in key order, so that two
        transactions touching the same balances wait for each other instead
        of deadlocking.
        """
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        rows = sorted(
            ((location, product, lot, company, quantity)
                for (location, product, lot, company), quantity
                in deltas.items() if quantity),
            key=lambda r: (r[0], r[1], r[2] or 0, r[3]))
        for chunk in grouped_slice(rows, UPSERT_ROWS):
            cursor.execute(*table.insert(
                    [table.location, table.product, table.lot, table.lot_key,
                        table.company, table.quantity, table.create_uid,
                        table.create_date],
                    [[location, product, lot, lot or 0, company, quantity,
                            transaction.user, CurrentTimestamp()]
                        for location, product, lot, company, quantity
                        in chunk],
                    on_conflict=Conflict(table,
                        indexed_columns=[table.location, table.product,
                            table.lot_key, table.company],
                        columns=[table.quantity, table.write_uid,
                            table.write_date],
                        values=[table.quantity + EXCLUDED.quantity,
                            EXCLUDED.create_uid, EXCLUDED.create_date])))

    @classmethod
    def _computed_query(cls, companies=None):
        "SQL query of the balances computed from the done moves"
        pool = Pool()
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        move = Move.__table__()
        location = Location.__table__()

        where = move.state == 'done'
        if companies is not None:
            where &= fields.SQL_OPERATORS['in'](move.company, companies)
        storage = location.select(
            location.id,
            where=location.type.in_(list(BALANCE_LOCATION_TYPES)))
        incoming = move.select(
            move.to_location.as_('location'), move.product.as_('product'),
            move.lot.as_('lot'), move.company.as_('company'),
            move.internal_quantity.as_('quantity'),
            where=where & move.to_location.in_(storage))
        outgoing = move.select(
            move.from_location.as_('location'), move.product.as_('product'),
            move.lot.as_('lot'), move.company.as_('company'),
            (-move.internal_quantity).as_('quantity'),
            where=where & move.from_location.in_(storage))
        union = Union(incoming, outgoing, all_=True)
        return union.select(
            union.location, union.product, union.lot, union.company,
            Sum(union.quantity).as_('quantity'),
            group_by=[union.location, union.product, union.lot,
                union.company],
            having=Sum(union.quantity) != 0)

    @classmethod
    def rebuild(cls, companies=None):
        """Recompute the balances from the done moves.

        The table lock makes the moves done meanwhile wait (Tryton restarts
        the transaction with the lock taken first, so that the computation
        sees every committed move).  Rows at zero are dropped.
        """
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cls.lock()
        where = Literal(True)
        if companies is not None:
            where = fields.SQL_OPERATORS['in'](table.company, companies)
        cursor.execute(*table.delete(where=where))
        query = cls._computed_query(companies)
        cursor.execute(*table.insert(
                [table.location, table.product, table.lot, table.lot_key,
                    table.company, table.quantity, table.create_uid,
                    table.create_date],
                query.select(
                    query.location, query.product, query.lot,
                    Coalesce(query.lot, 0), query.company,
                    query.quantity, Literal(Transaction().user),
                    Literal(dt.datetime.now()))))

    @classmethod
    def differences(cls, companies=None, digits=6):
        """Balances that differ from the done moves.

        Returns {(location, product, lot, company): (expected, stored)}.
        """
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        expected = {}
        cursor.execute(*cls._computed_query(companies))
        for location, product, lot, company, quantity in cursor:
            expected[(location, product, lot, company)] = round(
                quantity, digits)
        where = table.quantity != 0
        if companies is not None:
            where &= fields.SQL_OPERATORS['in'](table.company, companies)
        stored = {}
        cursor.execute(*table.select(
                table.location, table.product, table.lot, table.company,
                table.quantity, where=where))
        for location, product, lot, company, quantity in cursor:
            stored[(location, product, lot, company)] = round(
                quantity, digits)
        return {
            key: (expected.get(key, 0), stored.get(key, 0))
            for key in expected.keys() | stored.keys()
            if expected.get(key, 0) != stored.get(key, 0)}

    @classmethod
    def check_balances(cls):
        """Cron: rebuild the balances when they drifted from the moves, else
        drop the rows used up (a lot leaves one row per bin it went
        through; the next move of it simply inserts the row again)."""
        differences = cls.differences()
        if differences:
            logger.warning(
                "stock balances differ from the moves on %d keys, "
                "rebuilding: %s", len(differences),
                sorted(differences.items())[:20])
            cls.rebuild()
        else:
            table = cls.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.delete(where=table.quantity == 0))


class StockBalanceRebuild(Wizard):
    "Rebuild the stock balances from the stock moves"
    __name__ = 'med.stock.balance.rebuild'
    start = StateView(
        'med.stock.balance.rebuild.start',
        'med_lowvalue.stock_balance_rebuild_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Rebuild", 'rebuild', 'tryton-ok', default=True),
            ])
    rebuild = StateTransition()

    def transition_rebuild(self):
        Pool().get('med.stock.balance').rebuild()
        return 'end'


class StockBalanceRebuildStart(ModelView):
    "Rebuild the stock balances"
    __string__ = "Rebuild Stock Balances"
    __name__ = 'med.stock.balance.rebuild.start'


class StockPositionContext(ModelView):
    "Stock position filters"
    __string__ = "Stock Position Filters"
    __name__ = 'med.stock.position.context'
    warehouse = fields.Many2One(
        'stock.location', "Store",
        domain=[('type', '=', 'warehouse')],
        help="The central, high-value or department store to show; "
        "empty for every store you may see.")
    product = fields.Many2One(
        'product.product', "Product",
        domain=[('type', '=', 'goods')])
    expiry = fields.Selection([
            ('all', "All"),
            ('near', "Near Expiry or Expired"),
            ('expired', "Expired"),
            ('unusable', "Recalled or Expired"),
            ], "Expiry", sort=False)
    include_zero = fields.Boolean(
        "Include Zero",
        help="Also show lots that were in the location and are used up.")

    @classmethod
    def default_warehouse(cls):
        pool = Pool()
        Department = pool.get('med.department')
        context = Transaction().context
        if 'warehouse' in context:
            return context['warehouse']
        # A department user opens the list on their own store.
        departments = Department.user_departments()
        if len(departments) == 1:
            return Department(departments[0]).warehouse.id

    @classmethod
    def default_expiry(cls):
        return Transaction().context.get('expiry', 'all')

    @classmethod
    def default_include_zero(cls):
        return False


class StockPosition(ModelSQL, ModelView):
    "Stock position (库存查询): what lies in each store, by bin and lot"
    __string__ = "Stock Position"
    __name__ = 'med.stock.position'
    company = fields.Many2One('company.company', "Company", readonly=True)
    warehouse = fields.Many2One('stock.location', "Store", readonly=True)
    department = fields.Many2One(
        'med.department', "Department", readonly=True,
        help="The department that owns the store, for a department store.")
    location = fields.Many2One('stock.location', "Location", readonly=True)
    product = fields.Many2One('product.product', "Product", readonly=True)
    specification = fields.Char("Specification", readonly=True)
    consumable_class = fields.Selection(
        'get_consumable_classes', "Consumable Class", readonly=True)
    lot = fields.Many2One('stock.lot', "Lot", readonly=True)
    expiration_date = fields.Date("Expiration Date", readonly=True)
    expiry_state = fields.Selection(
        EXPIRY_STATES, "Expiry State", readonly=True, sort=False)
    lot_state = fields.Selection(
        LOT_STATES, "Lot State", readonly=True, sort=False,
        help="Recalled or expired stock cannot be issued or used.")
    quantity = fields.Float("Quantity", digits='unit', readonly=True)
    usable_quantity = fields.Float(
        "Usable Quantity", digits='unit', readonly=True,
        help="What can be issued or used: nothing of a recalled or "
        "expired lot.")
    unit = fields.Many2One('product.uom', "Unit", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('warehouse', 'ASC NULLS LAST'),
            ('product', 'ASC'),
            ('expiration_date', 'ASC NULLS LAST'),
            ('id', 'ASC'),
            ]

    @classmethod
    def get_consumable_classes(cls):
        Template = Pool().get('product.template')
        return Template.fields_get(['consumable_class'])[
            'consumable_class']['selection']

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        return search_ids(super(), cls, domain, offset=offset, limit=limit,
            order=order, count=count, query=query)

    @classmethod
    def _location_warehouse(cls):
        """Query of each balance location with its store: the nearest
        warehouse above it (by left/right), None for the transit location.

        A join, not a correlated subquery, so that PostgreSQL evaluates it
        once per location and filters a store's locations first.
        """
        Location = Pool().get('stock.location')
        location = Location.__table__()
        store = Location.__table__()
        nearer = Location.__table__()
        below = ((store.left <= location.left)
            & (store.right >= location.right))
        return location.join(store, 'LEFT',
            condition=(store.type == 'warehouse') & below
            ).select(
                location.id.as_('location'),
                store.id.as_('warehouse'),
                store.name.as_('warehouse_name'),
                location.name.as_('location_name'),
                where=location.type.in_(list(BALANCE_LOCATION_TYPES))
                & ((store.id == Null) | ~Exists(nearer.select(
                            Literal(1),
                            where=(nearer.type == 'warehouse')
                            & (nearer.left > store.left)
                            & (nearer.left <= location.left)
                            & (nearer.right >= location.right)))))

    @classmethod
    def table_query(cls):
        pool = Pool()
        Balance = pool.get('med.stock.balance')
        Department = pool.get('med.department')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        Lot = pool.get('stock.lot')
        balance = Balance.__table__()
        department = Department.__table__()
        product = Product.__table__()
        template = Template.__table__()
        lot = Lot.__table__()
        stores = cls._location_warehouse()
        context = Transaction().context
        today = _today()
        near = today + dt.timedelta(days=NEAR_EXPIRY_DAYS)

        expiration = lot.expiration_date
        where = Literal(True)
        if not context.get('include_zero'):
            where &= balance.quantity != 0
        if context.get('warehouse'):
            where &= stores.warehouse == context['warehouse']
        if context.get('product'):
            where &= balance.product == context['product']
        expiry = context.get('expiry')
        if expiry == 'near':
            where &= (expiration != Null) & (expiration <= near)
        elif expiry == 'expired':
            where &= (expiration != Null) & (expiration < today)
        unusable = (lot.recalled == Literal(True)) | (
            (expiration != Null) & (expiration < today))
        if expiry == 'unusable':
            where &= unusable

        from_ = (balance
            .join(stores, condition=balance.location == stores.location)
            .join(department, 'LEFT',
                condition=department.warehouse == stores.warehouse)
            .join(product, condition=balance.product == product.id)
            .join(template, condition=product.template == template.id)
            .join(lot, 'LEFT', condition=balance.lot == lot.id))
        return from_.select(
            balance.id.as_('id'),
            balance.company.as_('company'),
            stores.warehouse.as_('warehouse'),
            department.id.as_('department'),
            balance.location.as_('location'),
            balance.product.as_('product'),
            template.specification.as_('specification'),
            template.consumable_class.as_('consumable_class'),
            balance.lot.as_('lot'),
            expiration.as_('expiration_date'),
            Case(
                (expiration == Null, 'none'),
                (expiration < today, 'expired'),
                (expiration <= near, 'near'),
                else_='valid').as_('expiry_state'),
            Case(
                (lot.recalled == Literal(True), 'recalled'),
                (expiration == Null, 'none'),
                (expiration < today, 'expired'),
                (expiration <= near, 'near'),
                else_='valid').as_('lot_state'),
            balance.quantity.as_('quantity'),
            Case((unusable, Literal(0.0)),
                else_=balance.quantity).as_('usable_quantity'),
            template.default_uom.as_('unit'),
            # Sort keys: ordering on the Many2One fields would join their
            # tables (and the translations of location names) again.
            stores.warehouse_name.as_('warehouse_name'),
            stores.location_name.as_('location_name'),
            template.name.as_('product_name'),
            lot.number.as_('lot_number'),
            where=where)

    @classmethod
    def order_warehouse(cls, tables):
        table, _ = tables[None]
        return [table.warehouse_name, table.warehouse]

    @classmethod
    def order_location(cls, tables):
        table, _ = tables[None]
        return [table.location_name, table.location]

    @classmethod
    def order_product(cls, tables):
        table, _ = tables[None]
        return [table.product_name, table.product]

    @classmethod
    def order_lot(cls, tables):
        table, _ = tables[None]
        return [table.lot_number, table.lot]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('lot_state').in_(['expired', 'recalled']), 'danger',
                    If(Eval('lot_state') == 'near', 'warning', ''))),
            ]


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('med.stock.balance|check_balances', "Check Stock Balances"))
