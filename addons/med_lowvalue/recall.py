# 批号召回: the warehouse manager recalls a lot (a manufacturer's or the
# regulator's notice).  From then on Lot.check_usable and FEFO (lot.py)
# refuse it everywhere; the manager sees at once where the lot is: in which
# store, which department store, how much was already used.  Lifting a
# recall is a separate action; both are kept in the lot's recall history.
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from med_consumables_base.tools import today as _today

from .exceptions import RecallError

RECALL_FIELDS = {'recalled', 'recall_reason', 'recalled_on', 'recalled_by'}
PLACES = [
    ('store', "Store"),
    ('department', "Department Store"),
    ('consumed', "Consumed"),
    ('lost_found', "Lost and Found"),
    ]


class Lot(metaclass=PoolMeta):
    __name__ = 'stock.lot'
    recall_events = fields.One2Many(
        'med.lot.recall.event', 'lot', "Recall History", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'recall': {
                    'invisible': Eval('recalled', False),
                    'icon': 'tryton-warning',
                    'depends': ['recalled'],
                    },
                'lift_recall': {
                    'invisible': ~Eval('recalled', False),
                    'icon': 'tryton-undo',
                    'depends': ['recalled'],
                    },
                'where_is': {
                    'icon': 'tryton-search',
                    },
                })

    @classmethod
    @ModelView.button_action('med_lowvalue.wizard_lot_recall')
    def recall(cls, lots):
        pass

    @classmethod
    @ModelView.button_action('med_lowvalue.wizard_lot_recall_lift')
    def lift_recall(cls, lots):
        pass

    @classmethod
    @ModelView.button_action('med_lowvalue.wizard_lot_where')
    def where_is(cls, lots):
        pass

    @classmethod
    def check_modification(cls, mode, lots, values=None, external=False):
        super().check_modification(
            mode, lots, values=values, external=external)
        # The recall state changes only through the audited actions
        if (mode == 'write'
                and values.keys() & RECALL_FIELDS
                and not Transaction().context.get('_med_lot_recall')):
            raise RecallError(gettext(
                    'med_lowvalue.msg_recall_direct_write',
                    lots=', '.join(l.rec_name for l in lots[:5])))

    @classmethod
    def set_recall(cls, lots, reason):
        pool = Pool()
        Event = pool.get('med.lot.recall.event')
        user = Transaction().user
        for lot in lots:
            if lot.recalled:
                raise RecallError(gettext(
                        'med_lowvalue.msg_recall_already',
                        lot=lot.rec_name, product=lot.product.rec_name))
        with Transaction().set_context(_med_lot_recall=True):
            cls.write(lots, {
                    'recalled': True,
                    'recall_reason': reason,
                    'recalled_on': _today(),
                    'recalled_by': user,
                    })
        Event.create([{
                    'lot': l.id,
                    'action': 'recall',
                    'reason': reason,
                    } for l in lots])

    @classmethod
    def lift_recall_lots(cls, lots, reason):
        pool = Pool()
        Event = pool.get('med.lot.recall.event')
        for lot in lots:
            if not lot.recalled:
                raise RecallError(gettext(
                        'med_lowvalue.msg_recall_not_recalled',
                        lot=lot.rec_name, product=lot.product.rec_name))
        with Transaction().set_context(_med_lot_recall=True):
            cls.write(lots, {
                    'recalled': False,
                    'recall_reason': None,
                    'recalled_on': None,
                    'recalled_by': None,
                    })
        Event.create([{
                    'lot': l.id,
                    'action': 'lift',
                    'reason': reason,
                    } for l in lots])

    def get_places(self):
        """Where the lot is: quantity by location, for the stores, the
        department stores, the clinical consumption and lost-and-found.

        Uses Tryton's products_by_location grouped by lot, at today.
        """
        pool = Pool()
        Location = pool.get('stock.location')
        Product = pool.get('product.product')
        Department = pool.get('med.department')

        locations = Location.search([
                ('type', 'in', ['storage', 'customer', 'lost_found']),
                ])
        with Transaction().set_context(stock_date_end=_today()):
            pbl = Product.products_by_location(
                [l.id for l in locations], with_childs=False,
                grouping=('product', 'lot'),
                grouping_filter=([self.product.id], [self.id]))
        locations = {l.id: l for l in locations}
        stores = {l.warehouse for l in locations.values() if l.warehouse}
        departments = {d.warehouse: d for d in Department.search([
                    ('warehouse', 'in', [s.id for s in stores]),
                    ])}
        unit = self.product.default_uom
        places = []
        for (location_id, *_), quantity in pbl.items():
            quantity = unit.round(quantity)
            if not quantity:
                continue
            location = locations[location_id]
            store = location.warehouse
            if location.type == 'customer':
                place = 'consumed'
            elif location.type == 'lost_found':
                place = 'lost_found'
            elif store and store.warehouse_kind == 'department':
                place = 'department'
            else:
                place = 'store'
            department = departments.get(store)
            places.append({
                    'place': place,
                    'location': location.id,
                    'store': store.id if store else None,
                    'department': department.id if department else None,
                    'quantity': quantity,
                    'unit': unit.id,
                    })
        order = [p for p, _ in PLACES]
        places.sort(key=lambda p: (
                order.index(p['place']), locations[p['location']].rec_name))
        return places


class RecallEvent(ModelSQL, ModelView):
    "Lot Recall Event"
    __string__ = "Lot Recall Event"
    __name__ = 'med.lot.recall.event'
    lot = fields.Many2One(
        'stock.lot', "Lot", required=True, readonly=True, ondelete='CASCADE')
    product = fields.Function(
        fields.Many2One('product.product', "Product"), 'get_product')
    action = fields.Selection([
            ('recall', "Recall"),
            ('lift', "Recall Lifted"),
            ], "Action", required=True, readonly=True)
    reason = fields.Text("Reason", required=True, readonly=True)
    user = fields.Many2One('res.user', "User", required=True, readonly=True)
    date = fields.DateTime("Date", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_user(cls):
        return Transaction().user

    @classmethod
    def default_date(cls):
        return dt.datetime.now()

    def get_product(self, name):
        return self.lot.product.id

    def get_rec_name(self, name):
        return f'{self.lot.rec_name} {self.action}'


class LotPlace(ModelView):
    "Where a Lot Is"
    __string__ = "Lot Place"
    __name__ = 'med.lot.place'
    parent = fields.Many2One('med.lot.where.show', "Parent", readonly=True)
    place = fields.Selection(PLACES, "Place", readonly=True)
    location = fields.Many2One('stock.location', "Location", readonly=True)
    store = fields.Many2One('stock.location', "Store", readonly=True)
    department = fields.Many2One(
        'med.department', "Department", readonly=True)
    quantity = fields.Float("Quantity", digits='unit', readonly=True)
    unit = fields.Many2One('product.uom', "Unit", readonly=True)


class LotWhereShow(ModelView):
    "Where a Lot Is"
    __string__ = "Where a Lot Is"
    __name__ = 'med.lot.where.show'
    lot = fields.Many2One('stock.lot', "Lot", readonly=True)
    product = fields.Many2One('product.product', "Product", readonly=True)
    recalled = fields.Boolean("Recalled", readonly=True)
    in_stock = fields.Float(
        "In Stock", digits='unit', readonly=True,
        help="In the stores and the department stores.")
    consumed = fields.Float(
        "Consumed", digits='unit', readonly=True,
        help="Already used at clinical consumption.")
    unit = fields.Many2One('product.uom', "Unit", readonly=True)
    places = fields.One2Many(
        'med.lot.place', 'parent', "Places", readonly=True)

    @classmethod
    def get_values(cls, lot):
        places = lot.get_places()
        in_stock = sum(p['quantity'] for p in places
            if p['place'] in {'store', 'department'})
        consumed = sum(p['quantity'] for p in places
            if p['place'] == 'consumed')
        return {
            'lot': lot.id,
            'product': lot.product.id,
            'recalled': bool(lot.recalled),
            'in_stock': in_stock,
            'consumed': consumed,
            'unit': lot.product.default_uom.id,
            'places': places,
            }


class LotRecall(Wizard):
    "Recall a Lot"
    __name__ = 'med.lot.recall'
    start = StateView('med.lot.recall.start',
        'med_lowvalue.recall_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Recall", 'recall', 'tryton-warning', default=True),
            ])
    recall = StateTransition()
    where = StateView('med.lot.where.show',
        'med_lowvalue.recall_where_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, fields):
        if (self.model and self.model.__name__ == 'stock.lot'
                and self.record and not self.record.recalled):
            return {'lot': self.record.id}
        return {}

    def transition_recall(self):
        pool = Pool()
        Lot = pool.get('stock.lot')
        Lot.set_recall([self.start.lot], self.start.reason)
        return 'where'

    def default_where(self, fields):
        pool = Pool()
        Lot = pool.get('stock.lot')
        Show = pool.get('med.lot.where.show')
        return Show.get_values(Lot(self.start.lot.id))


class LotRecallStart(ModelView):
    "Recall a Lot"
    __string__ = "Recall a Lot"
    __name__ = 'med.lot.recall.start'
    lot = fields.Many2One(
        'stock.lot', "Lot", required=True,
        domain=[('recalled', '=', False)])
    product = fields.Function(
        fields.Many2One('product.product', "Product"),
        'on_change_with_product')
    reason = fields.Text(
        "Reason", required=True,
        help="The recall notice: who recalls, why, its reference.")

    @fields.depends('lot')
    def on_change_with_product(self, name=None):
        return self.lot.product if self.lot else None


class LotRecallLift(Wizard):
    "Lift a Lot Recall"
    __name__ = 'med.lot.recall.lift'
    start = StateView('med.lot.recall.lift.start',
        'med_lowvalue.recall_lift_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Lift Recall", 'lift', 'tryton-undo', default=True),
            ])
    lift = StateTransition()

    def default_start(self, fields):
        if (self.model and self.model.__name__ == 'stock.lot'
                and self.record and self.record.recalled):
            return {'lot': self.record.id}
        return {}

    def transition_lift(self):
        pool = Pool()
        Lot = pool.get('stock.lot')
        Lot.lift_recall_lots([self.start.lot], self.start.reason)
        return 'end'


class LotRecallLiftStart(ModelView):
    "Lift a Lot Recall"
    __string__ = "Lift a Lot Recall"
    __name__ = 'med.lot.recall.lift.start'
    lot = fields.Many2One(
        'stock.lot', "Lot", required=True,
        domain=[('recalled', '=', True)])
    recall_reason = fields.Function(
        fields.Char("Recall Reason"), 'on_change_with_recall_reason')
    reason = fields.Text(
        "Reason", required=True,
        help="Why the lot may be used again (e.g. the notice withdrawn).")

    @fields.depends('lot')
    def on_change_with_recall_reason(self, name=None):
        return self.lot.recall_reason if self.lot else None


class LotWhere(Wizard):
    "Where Is the Lot"
    __name__ = 'med.lot.where'
    start = StateView('med.lot.where.show',
        'med_lowvalue.recall_where_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, fields):
        pool = Pool()
        Show = pool.get('med.lot.where.show')
        if self.model and self.model.__name__ == 'stock.lot' and self.record:
            return Show.get_values(self.record)
        return {}
