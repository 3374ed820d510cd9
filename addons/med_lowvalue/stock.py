# The Tryton stock models this module extends (stock.lot, stock.move): one
# class each, whatever family needs it.  The documents that *are* Tryton
# stock models keep their family's file: 入库 stock.shipment.in in
# receipt.py, 出库 stock.shipment.internal in shipment.py, 盘点
# stock.inventory in inventory.py, 月结 stock.period in period.py.
#
# stock.lot: expiry (有效期) and recall (召回) decide whether a lot may
# leave a store — every flow that moves stock out of one calls
# Lot.check_usable; the recall is done by the audited actions of recall.py.
# stock.move: first expiry first out, never an unusable lot; the origins of
# the department documents; the closed month; the stock balance.
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from med_consumables_base.tools import today as _today

from .exceptions import (
    LotExpiredError, LotNearExpiryWarning, LotRecalledError,
    LotShelfLifeError, RecallError)
from .lot import NEAR_EXPIRY_DAYS
from .recall import PLACES, RECALL_FIELDS

__all__ = ['Lot', 'Move']


class Lot(metaclass=PoolMeta):
    __name__ = 'stock.lot'

    recalled = fields.Boolean(
        "Recalled", readonly=True,
        help="A recalled lot is blocked: it cannot be issued, used or "
        "returned to a department.")
    recall_reason = fields.Char(
        "Recall Reason", readonly=True,
        states={'invisible': ~Eval('recalled')})
    recalled_on = fields.Date(
        "Recalled On", readonly=True,
        states={'invisible': ~Eval('recalled')})
    recalled_by = fields.Many2One(
        'res.user', "Recalled By", readonly=True,
        states={'invisible': ~Eval('recalled')})
    expiry_state = fields.Function(fields.Selection([
                ('none', "No Expiry"),
                ('valid', "Valid"),
                ('near', "Near Expiry"),
                ('expired', "Expired"),
                ], "Expiry State"),
        'get_expiry_state', searcher='search_expiry_state')

    @classmethod
    def default_recalled(cls):
        return False

    def get_expiry_state(self, name):
        if not self.expiration_date:
            return 'none'
        today = _today()
        if self.expiration_date < today:
            return 'expired'
        if self.expiration_date <= today + dt.timedelta(
                days=NEAR_EXPIRY_DAYS):
            return 'near'
        return 'valid'

    @classmethod
    def search_expiry_state(cls, name, clause):
        _, operator, value = clause[:3]
        today = _today()
        near = today + dt.timedelta(days=NEAR_EXPIRY_DAYS)
        domains = {
            'none': [('expiration_date', '=', None)],
            'expired': [('expiration_date', '<', today)],
            'near': [
                ('expiration_date', '>=', today),
                ('expiration_date', '<=', near)],
            'valid': [('expiration_date', '>', near)],
            }
        values = [value] if operator in {'=', '!='} else list(value or [])
        domain = ['OR'] + [domains[v] for v in values if v in domains]
        if len(domain) == 1:
            domain = [('id', '=', -1)]
        if operator in {'!=', 'not in'}:
            domain = ['NOT', domain]
        return domain

    def is_usable(self, date=None):
        "Neither recalled nor expired on date."
        if Transaction().context.get('_med_return_to_supplier'):
            # a recalled or expired lot goes back to its supplier
            return True
        date = date or _today()
        return not self.recalled and not (
            self.expiration_date and self.expiration_date < date)

    @classmethod
    def check_usable(cls, lots, date=None, warning_key=None):
        """Refuse recalled or expired lots; warn once for lots near expiry.

        warning_key names the document asking, so that the user's answer
        to the warning is kept per document (res.user.warning).  Returns the
        lots near expiry, for the caller to record who accepted them.
        """
        pool = Pool()
        Warning = pool.get('res.user.warning')
        date = date or _today()
        near = []
        for lot in lots:
            if not lot:
                continue
            if lot.recalled:
                raise LotRecalledError(gettext(
                        'med_lowvalue.msg_lot_recalled',
                        lot=lot.rec_name, product=lot.product.rec_name,
                        reason=lot.recall_reason or ''))
            if lot.expiration_date and lot.expiration_date < date:
                raise LotExpiredError(gettext(
                        'med_lowvalue.msg_lot_expired',
                        lot=lot.rec_name, product=lot.product.rec_name,
                        date=lot.expiration_date))
            if (lot.expiration_date and lot.expiration_date
                    <= date + dt.timedelta(days=NEAR_EXPIRY_DAYS)):
                near.append(lot)
        if near and warning_key:
            key = Warning.format(warning_key, near)
            if Warning.check(key):
                raise LotNearExpiryWarning(key, gettext(
                        'med_lowvalue.msg_lot_near_expiry',
                        lots=', '.join(
                            f'{l.product.rec_name} {l.rec_name} '
                            f'({l.expiration_date})' for l in near),
                        days=NEAR_EXPIRY_DAYS))
        return near

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
        context = {}
        if (mode == 'write'
                and 'expiration_date' in values
                and 'shelf_life_expiration_date' not in values):
            # Correcting a mistyped expiry after the month closed changes
            # no stock quantity (Tryton's period caches ignore it); the
            # write is logged like any other.
            context['_med_expiry_correction'] = True
        with Transaction().set_context(context):
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


    @classmethod
    def validate_fields(cls, lots, field_names):
        super().validate_fields(lots, field_names)
        if field_names and 'shelf_life_expiration_date' not in field_names:
            return
        for lot in lots:
            # stock_lot_sled refuses to close a stock period while a lot
            # moved before it has a future shelf-life date (DESIGN §3): a
            # consumable's expiry is its expiration date.
            if lot.shelf_life_expiration_date:
                raise LotShelfLifeError(gettext(
                        'med_lowvalue.msg_period_lot_shelf_life',
                        lot=lot.rec_name,
                        product=lot.product.rec_name))

    @classmethod
    def check_sled_period_closed(cls, lots):
        if Transaction().context.get('_med_expiry_correction'):
            return
        return super().check_sled_period_closed(lots)


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'
    # 按请领出库 (shipment.py)
    expiry_accepted_by = fields.Many2One(
        'res.user', "Near Expiry Accepted By", readonly=True,
        states={
            'invisible': ~Eval('expiry_accepted_by'),
            },
        help="Who confirmed issuing a lot close to its expiry date.")
    expiry_accepted_at = fields.DateTime(
        "Near Expiry Accepted At", readonly=True,
        states={
            'invisible': ~Eval('expiry_accepted_at'),
            })
    difference_reason = fields.Char(
        "Difference Reason", readonly=True,
        states={
            'invisible': ~Eval('difference_reason'),
            },
        help="Why the department did not receive this quantity.")

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + [
            'med.requisition.line', 'med.usage.line',
            'med.department.return.line']

    @classmethod
    def copy(cls, moves, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('expiry_accepted_by', None)
        default.setdefault('expiry_accepted_at', None)
        return super().copy(moves, default=default)

    @classmethod
    def assign_try(
            cls, moves, with_childs=True, grouping=('product',), pblc=None):
        if (Transaction().context.get('_med_assign_by_lot')
                and 'lot' not in grouping):
            # an issue reserves lot by lot (shipment.py)
            grouping = grouping + ('lot',)
        if 'lot' in grouping and moves:
            # sort_quantities reads the candidate lots of each move: read the
            # lots of all the products at once into the transaction's record
            # cache rather than once per move.
            Lot = Pool().get('stock.lot')
            lots = Lot.search([
                    ('product', 'in', list({m.product.id for m in moves})),
                    ])
            if lots:
                lots[0].expiration_date
        return super().assign_try(
            moves, with_childs=with_childs, grouping=grouping, pblc=pblc)

    def sort_quantities(self, quantities, locations, grouping):
        """First expiry, first out (FEFO), never an unusable lot.

        Tryton orders the candidate stock by location; a hospital must pick
        the lot that expires first wherever it lies, and must never propose
        an expired or recalled lot — except to a 科室退货单: recalled and
        expired lots leave departments by being returned (after the usable
        ones, in Tryton's location order).
        """
        pool = Pool()
        Lot = pool.get('stock.lot')
        ReturnLine = pool.get('med.department.return.line')
        quantities = super().sort_quantities(quantities, locations, grouping)
        if 'lot' not in grouping:
            return quantities
        index = grouping.index('lot') + 1  # keys are (location, *grouping)
        lots = {l.id: l for l in Lot.browse(
                {k[index] for k, _ in quantities if k[index]})}
        date = self.effective_date or self.planned_date or _today()
        order = {k[0]: i for i, (k, _) in enumerate(quantities)}

        def usable(item):
            lot = lots.get(item[0][index])
            return lot is None or lot.is_usable(date)

        def fefo(item):
            lot = lots.get(item[0][index])
            expiry = lot.expiration_date if lot and lot.expiration_date else (
                dt.date.max)
            return (expiry, order[item[0][0]])
        result = sorted(filter(usable, quantities), key=fefo)
        if isinstance(self.origin, ReturnLine):
            result += [item for item in quantities if not usable(item)]
        return result



    @classmethod
    def validate_fields(cls, moves, field_names):
        pool = Pool()
        ShipmentIn = pool.get('stock.shipment.in')
        super().validate_fields(moves, field_names)
        if field_names is None or field_names & {'unit_price', 'shipment'}:
            shipments = {m.shipment for m in moves
                if isinstance(m.shipment, ShipmentIn)
                and m.shipment.receipt_kind == 'gift'}
            ShipmentIn.check_gift_prices(list(shipments))


    @classmethod
    def check_period_closed(cls, moves):
        # Tryton refuses with a generic access error; a user needs to know
        # which document and which closed month, and callers catch one
        # typed error for every document family.
        Period = Pool().get('stock.period')

        def get_date(move):
            return move.effective_date or move.planned_date

        def get_name(move):
            document = move.shipment or move.origin
            if document and document.id >= 0:
                return f'{document.rec_name} ({move.rec_name})'
            return move.rec_name

        Period.check_open(moves, get_date, get_name=get_name)

    @classmethod
    def on_modification(cls, mode, moves, field_names=None):
        super().on_modification(mode, moves, field_names=field_names)
        # Tryton checks a write against the dates the moves had before it:
        # a move (or a document setting its moves' date) could still be
        # dated into a closed month.  Check the dates written as well.
        if (mode == 'write'
                and field_names & {'effective_date', 'planned_date'}):
            cls.check_period_closed(moves)


    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def do(cls, moves):
        super().do(moves)
        Pool().get('med.stock.balance').apply_moves(moves)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, moves):
        # Only Tryton's stock cancellation group may cancel a done move:
        # it leaves the stock, so it leaves the balance.
        done = [m for m in moves if m.state == 'done']
        super().cancel(moves)
        Pool().get('med.stock.balance').apply_moves(done, sign=-1)
