# 盘点单制作 / 盘点单审核: a stock-take at lot level, counted by the keeper
# (scanning or typing), approved by the warehouse manager before the stock
# is adjusted.  Tryton's stock.inventory does the counting and the moves;
# this file adds the count → approval steps and the scanning.
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.modules.company import CompanyReport
from trytond.modules.company.model import set_employee
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import InventoryError


class Inventory(metaclass=PoolMeta):
    __name__ = 'stock.inventory'
    counted_by = fields.Many2One(
        'company.employee', "Counted By", readonly=True,
        help="The keeper who submitted the count.")
    counted_at = fields.DateTime("Counted At", readonly=True)
    approved_by = fields.Many2One(
        'company.employee', "Approved By", readonly=True,
        help="The warehouse manager who approved the differences.")
    approved_at = fields.DateTime("Approved At", readonly=True)
    difference_lines = fields.Function(fields.One2Many(
            'stock.inventory.line', 'inventory', "Differences",
            states={
                'readonly': Eval('state') != 'draft',
                },
            help="The lines whose count differs from the expected stock."),
        'get_difference_lines', setter='set_difference_lines')
    difference_count = fields.Function(fields.Integer(
            "Lines with Differences"),
        'get_difference_lines')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        counted = ('counted', "Counted")
        if counted not in cls.state.selection:
            index = [s for s, _ in cls.state.selection].index('draft')
            cls.state.selection.insert(index + 1, counted)
        # Stock is adjusted only once the manager has approved the count.
        cls._transitions -= {('draft', 'done')}
        cls._transitions |= {
            ('draft', 'counted'),
            ('counted', 'draft'),
            ('counted', 'done'),
            ('counted', 'cancelled'),
            }
        # confirm stays the method that adjusts the stock, but it is only
        # reached through approve.
        cls._buttons['confirm'] = {
            'invisible': True,
            }
        cls._buttons.update({
                'submit': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'counted',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'counted',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'scan': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def copy(cls, inventories, default=None):
        default = default.copy() if default is not None else {}
        for name in ['counted_by', 'counted_at', 'approved_by', 'approved_at']:
            default.setdefault(name)
        return super().copy(inventories, default=default)

    def get_difference_lines(self, name):
        lines = [l for l in self.lines if l.difference]
        if name == 'difference_count':
            return len(lines)
        return [l.id for l in lines]

    @classmethod
    def set_difference_lines(cls, inventories, name, value):
        # The differences are lines: a recount there is a recount
        if value:
            cls.write(inventories, {'lines': value})

    @classmethod
    @ModelView.button
    @Workflow.transition('counted')
    @set_employee('counted_by')
    def submit(cls, inventories):
        for inventory in inventories:
            inventory.check_counted()
        cls.write(inventories, {
                'counted_at': dt.datetime.now(),
                })

    def check_counted(self):
        "Every line counted, unless the stock-take says what blank means"
        if not self.lines:
            raise InventoryError(gettext(
                    'med_lowvalue.msg_inventory_no_lines',
                    inventory=self.rec_name))
        if self.empty_quantity is None:
            missing = [l for l in self.lines if l.quantity is None]
            if missing:
                raise InventoryError(gettext(
                        'med_lowvalue.msg_inventory_not_counted',
                        inventory=self.rec_name,
                        count=len(missing),
                        lines=', '.join(l.rec_name for l in missing[:5])))

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, inventories):
        cls.write(inventories, {
                'counted_by': None,
                'counted_at': None,
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    @set_employee('approved_by', when='before')
    def approve(cls, inventories):
        cls.write(inventories, {
                'approved_at': dt.datetime.now(),
                })
        cls.confirm(inventories)

    @classmethod
    @ModelView.button_action('med_lowvalue.wizard_inventory_scan')
    def scan(cls, inventories):
        pass

    def add_scanned(self, code, quantity=1):
        """Count quantity more of the product and lot read from code.

        Returns the line.  A lot found on the shelf but unknown to the
        system is created (with the expiry of the code): its whole quantity
        is a difference the manager will see.
        """
        pool = Pool()
        Barcode = pool.get('med.barcode')
        Product = pool.get('product.product')
        Lot = pool.get('stock.lot')
        Line = pool.get('stock.inventory.line')

        if self.state != 'draft':
            raise InventoryError(gettext(
                    'med_lowvalue.msg_inventory_scan_state',
                    inventory=self.rec_name))
        if not quantity or quantity <= 0:
            raise InventoryError(gettext(
                    'med_lowvalue.msg_inventory_scan_quantity',
                    quantity=quantity))
        result = Barcode.lookup(code)
        product = Product(result['product'])
        number = result['lot'] or result['serial']
        if not number:
            raise InventoryError(gettext(
                    'med_lowvalue.msg_inventory_scan_no_lot',
                    product=product.rec_name, code=code.strip()))
        lots = Lot.search([
                ('product', '=', product.id),
                ('number', '=', number),
                ], limit=1)
        if lots:
            lot, = lots
        else:
            lot = Lot(product=product, number=number,
                expiration_date=result['expiry_date'])
            lot.save()
        lines = Line.search([
                ('inventory', '=', self.id),
                ('product', '=', product.id),
                ('lot', '=', lot.id),
                ], limit=1)
        if lines:
            line, = lines
            line.quantity = (line.quantity or 0) + quantity
            line.save()
        else:
            line = Line(inventory=self, product=product, lot=lot,
                quantity=quantity)
            line.save()
            # A new line needs its expected quantity
            self.__class__.complete_lines([self], fill=False)
            line = Line(line.id)
        return line


class InventoryLine(metaclass=PoolMeta):
    __name__ = 'stock.inventory.line'
    difference = fields.Function(fields.Float(
            "Difference", digits='unit',
            help="Counted minus expected quantity."),
        'on_change_with_difference')
    expiration_date = fields.Function(fields.Date("Expiration Date"),
        'get_expiration_date')

    @fields.depends(
        'quantity', 'expected_quantity', 'inventory',
        '_parent_inventory.empty_quantity')
    def on_change_with_difference(self, name=None):
        quantity = self.quantity
        if quantity is None:
            if self.inventory and self.inventory.empty_quantity == 'empty':
                quantity = 0
            else:
                return None
        return quantity - (self.expected_quantity or 0)

    def get_expiration_date(self, name):
        return self.lot.expiration_date if self.lot else None

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree/field[@name="difference"]', 'visual',
                If(Eval('difference', 0) < 0, 'danger',
                    If(Eval('difference', 0) > 0, 'warning', ''))),
            ]


class InventoryScan(Wizard):
    "Count by scanning"
    __name__ = 'med.inventory.scan'
    start = StateView('med.inventory.scan.start',
        'med_lowvalue.inventory_scan_start_view_form', [
            Button("Close", 'end', 'tryton-close'),
            Button("Add", 'add', 'tryton-ok', default=True),
            ])
    add = StateTransition()

    def transition_add(self):
        line = self.record.add_scanned(self.start.code, self.start.quantity)
        self.start.last_product = line.product
        self.start.last_lot = line.lot
        self.start.last_expected = line.expected_quantity
        self.start.last_counted = line.quantity
        return 'start'

    def value_start(self, fields):
        values = {
            'code': None,
            'quantity': 1,
            }
        if self.start.last_product:
            values.update({
                    'last_product': self.start.last_product.id,
                    'last_lot': (
                        self.start.last_lot.id if self.start.last_lot
                        else None),
                    'last_expected': self.start.last_expected,
                    'last_counted': self.start.last_counted,
                    })
        return values


class InventoryScanStart(ModelView):
    "Count by scanning"
    __string__ = "Count by Scanning"
    __name__ = 'med.inventory.scan.start'
    code = fields.Char(
        "Code", required=True,
        help="Scan the UDI (GS1 or MA) on the package.")
    quantity = fields.Integer(
        "Quantity", required=True,
        domain=[('quantity', '>', 0)],
        help="Packages with this code; 1 for each scan.")
    last_product = fields.Many2One(
        'product.product', "Last Product", readonly=True)
    last_lot = fields.Many2One('stock.lot', "Last Lot", readonly=True)
    last_expected = fields.Float("Expected", readonly=True)
    last_counted = fields.Float("Counted", readonly=True)

    @classmethod
    def default_quantity(cls):
        return 1


class InventorySlip(CompanyReport):
    "盘点单: counted, expected and difference per lot, with signatures"
    __name__ = 'med.inventory.slip'

    @classmethod
    def get_context(cls, inventories, header, data):
        context = super().get_context(inventories, header, data)
        context['lines'] = cls.lines
        return context

    @classmethod
    def lines(cls, inventory):
        return list(inventory.lines)
