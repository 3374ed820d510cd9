# 库房管理: warehouses (中心库, 高值库, 二级库) and their bins (货位).
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

WAREHOUSE_KINDS = [
    (None, ""),
    ('central', "Central Store"),
    ('high_value', "High-Value Store"),
    ('department', "Department Store"),
    ]


class Location(metaclass=PoolMeta):
    __name__ = 'stock.location'
    warehouse_kind = fields.Selection(
        WAREHOUSE_KINDS, "Store Kind",
        states={
            'invisible': Eval('type') != 'warehouse',
            },
        help="中心库 supplies departments; 二级库 is a department's own store.")

    @property
    def lost_found_used(self):
        """A store without its own lost-and-found location uses the
        hospital's: a stock-take or a receipt shortfall must not fail on a
        department store created without one."""
        location = super().lost_found_used
        if location or not self.warehouse:
            return location
        pool = Pool()
        Location = pool.get('stock.location')
        locations = Location.search(
            [('type', '=', 'lost_found')], order=[('id', 'ASC')], limit=1)
        if locations:
            return locations[0]
