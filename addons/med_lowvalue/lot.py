# Usable stock: what a store holds by lot, and the part of it that may be
# issued or used (neither recalled nor expired).  The lot's own rules
# (Lot.is_usable, Lot.check_usable, FEFO) are in stock.py.
from collections import defaultdict

from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

NEAR_EXPIRY_DAYS = 30


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


