# Lots are what a hospital traces: expiry (有效期) and recall (召回) decide
# whether a lot may leave a store.  Every flow that moves stock out of a
# store (issue, usage, return to supplier) calls Lot.check_usable.
import datetime as dt
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from med_consumables_base.tools import today

from .exceptions import LotExpiredError, LotNearExpiryWarning, LotRecalledError

NEAR_EXPIRY_DAYS = 30


_today = today


def store_quantities(
        location, products, date=None, company=None, assign=True):
    """Quantity by (product id, lot id) in location and its bins, usable
    lots or not.

    With assign, assigned moves are deducted (stock_assign), so that what
    another slip has reserved is not offered twice.  Read without access
    check: a ward user may not read stock moves, but must see what its
    store holds.
    """
    pool = Pool()
    Product = pool.get('product.product')
    Date = pool.get('ir.date')
    if not location or not products:
        return defaultdict(float)
    context = {
        'stock_date_end': date or Date.today(),
        'stock_assign': assign,
        }
    if company:
        context['company'] = company.id
    with without_check_access(), Transaction().set_context(context):
        pbl = Product.products_by_location(
            [location.id], with_childs=True, grouping=('product', 'lot'),
            grouping_filter=(list({p.id for p in products}),))
    quantities = defaultdict(float)
    for (_, product, lot), quantity in pbl.items():
        quantities[(product, lot)] += quantity
    return quantities


def usable_quantities(
        location, products, date=None, company=None, assign=False):
    """Quantity per product id in location that can be issued or used.

    The one definition of usable stock: a recalled lot, or one expired on
    date, is stock nobody may issue, use or count on to cover a need
    (requisition top-up and maximum, 请领单整合), so it is left out.
    """
    return usable_of(store_quantities(
            location, products, date=date, company=company, assign=assign),
        date)


def usable_of(quantities, date=None):
    """Per product id, the usable part of quantities by (product id, lot id)
    (store_quantities): what is not in a recalled or expired lot."""
    Lot = Pool().get('stock.lot')
    with without_check_access():
        lots = Lot.browse({l for _, l in quantities if l})
        unusable = {l.id for l in lots if not l.is_usable(date)}
    result = defaultdict(float)
    for (product, lot), quantity in quantities.items():
        if lot not in unusable:
            result[product] += quantity
    return result


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


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'

    @classmethod
    def assign_try(
            cls, moves, with_childs=True, grouping=('product',), pblc=None):
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
        an expired or recalled lot.
        """
        pool = Pool()
        Lot = pool.get('stock.lot')
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
        return sorted(filter(usable, quantities), key=fefo)
