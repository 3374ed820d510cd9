# 批号召回: the warehouse manager recalls a lot (a manufacturer's or the
# regulator's notice).  From then on Lot.check_usable and FEFO (lot.py)
# refuse it everywhere (the lot's recall state and Lot.get_places are in
# stock.py); the manager sees at once where the lot is: in which
# store, which department store, how much was already used.  Lifting a
# recall is a separate action; both are kept in the lot's recall history.
import datetime as dt

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

RECALL_FIELDS = {'recalled', 'recall_reason', 'recalled_on', 'recalled_by'}
PLACES = [
    ('store', "Store"),
    ('department', "Department Store"),
    ('consumed', "Consumed"),
    ('lost_found', "Lost and Found"),
    ]


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
