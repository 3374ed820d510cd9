# 使用单: a department records what it used from its second-level store
# (二级库); the head's approval moves it, lot by lot, to 临床消耗.
import datetime as dt
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.modules.company.company import CompanyReport
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction, without_check_access

from med_consumables_base.approval import current_employee, stamp
from med_consumables_base.tools import format_quantity, today

from .exceptions import CatalogError, QuantityError, UsageError
from .document import (
    DatedDraftMixin, DepartmentDocumentMixin, NumberNameMixin,
    audit_datetime, audit_employee)
from .lot import store_quantities

__all__ = [
    'Usage', 'UsageLine', 'UsageReport',
    'store_quantities', 'fefo_lot', 'is_lot_tracked', 'assign_or_raise']


# Stock helpers shared with department_return.py --------------------------

def fefo_lot(location, product, date=None, company=None):
    "The usable lot of product in location that expires first, or None."
    Lot = Pool().get('stock.lot')
    if not location or not product:
        return None
    quantities = store_quantities(location, [product], date, company)
    lots = Lot.browse([
            l for (p, l), q in quantities.items()
            if p == product.id and l and q > 0])
    lots = [l for l in lots if l.is_usable(date)]
    lots.sort(key=lambda l: (l.expiration_date or dt.date.max, l.id))
    return lots[0] if lots else None


def is_lot_tracked(product, quantities):
    """A product is tracked by lot when Tryton requires a lot for it or when
    the store holds it in lots: a move without lot would then draw on the
    product total and leave the lot balances wrong."""
    if product.lot_required:
        return True
    return any(
        l and q for (p, l), q in quantities.items() if p == product.id)


def assign_or_raise(moves, lines, error, message, document):
    """Reserve moves under Tryton's stock lock or raise error naming the
    product, lot and the quantity the store held.

    assign_try splits what it can reserve; the assigned part of each
    (product, lot) is therefore exactly the free stock.  The caller's
    transaction is rolled back by the error: nothing stays written.
    """
    pool = Pool()
    Move = pool.get('stock.move')
    Uom = pool.get('product.uom')
    Lang = pool.get('ir.lang')
    if Move.assign_try(moves):
        return
    requested = defaultdict(float)
    for line in lines:
        requested[(line.product, line.lot)] += Uom.compute_qty(
            line.unit, line.quantity, line.product.default_uom, round=False)
    assigned = defaultdict(float)
    for move in Move.search([
                ('origin', 'in', [str(l) for l in lines]),
                ('state', '=', 'assigned'),
                ]):
        assigned[(move.product, move.lot)] += move.internal_quantity
    lang = Lang.get()
    for (product, lot), quantity in requested.items():
        available = assigned[(product, lot)]
        unit = product.default_uom
        if quantity - available >= unit.rounding:
            location = moves[0].from_location
            raise error(gettext(message,
                    document=document.rec_name,
                    product=product.rec_name,
                    lot=lot.rec_name if lot else '-',
                    location=location.rec_name,
                    available=format_quantity(available, unit, lang),
                    quantity=format_quantity(quantity, unit, lang)))
    # Only a rounding difference gets here: still never half-move a slip.
    raise error(gettext(message,
            document=document.rec_name, product='', lot='',
            location=moves[0].from_location.rec_name, available='',
            quantity=''))


# 使用单 --------------------------------------------------------------------

class Usage(DepartmentDocumentMixin, DatedDraftMixin, NumberNameMixin,
        Workflow, ModelSQL, ModelView):
    "Usage Slip"
    __name__ = 'med.usage'
    _msg_delete = 'msg_usage_delete'
    _msg_modify = 'msg_usage_modify'
    _msg_param = 'usage'
    _number_sequence = 'sequence_usage'
    __string__ = "Usage Slip"
    _audit_steps = ('submitted', 'approved', 'near_expiry_accepted')
    _rec_name = 'number'

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One(
        'company.company', "Company", required=True,
        states={
            'readonly': (Eval('state') != 'draft') | Eval('lines', [0]),
            })
    department = fields.Many2One(
        'med.department', "Department", required=True,
        domain=[('company', '=', Eval('company', -1))],
        states={
            'readonly': (Eval('state') != 'draft') | Eval('lines', [0]),
            },
        help="The department whose store the items were used from.")
    location = fields.Function(fields.Many2One(
            'stock.location', "Department Store",
            help="The storage zone of the department's second-level store."),
        'on_change_with_location')
    date = fields.Date(
        "Usage Date", required=True, states=_states,
        help="The day the items were used on patients.")
    scan = fields.Function(fields.Char(
            "Scan",
            states={
                'invisible': Eval('state') != 'draft',
                'readonly': ~Eval('department'),
                },
            help="Scan a UDI label (GS1 or MA): "
            "the product and lot are added as a line."),
        'get_scan', setter='set_scan')
    lines = fields.One2Many(
        'med.usage.line', 'usage', "Lines",
        states={
            'readonly': (Eval('state') != 'draft') | ~Eval('department'),
            })
    note = fields.Text("Note", states=_states)
    near_expiry_accepted_by = audit_employee(
        "Near Expiry Accepted By",
        states={
            'invisible': ~Eval('near_expiry_accepted_by'),
            },
        help="Who confirmed using lots that expire within 30 days.")
    near_expiry_accepted_at = audit_datetime(
        "Near Expiry Accepted At",
        states={
            'invisible': ~Eval('near_expiry_accepted_by'),
            })
    state = fields.Selection([
            ('draft', "Draft"),
            ('submitted', "Submitted"),
            ('approved', "Approved"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        cls.number.search_unaccented = False
        super().__setup__()
        cls.__access__.add('department')
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.number, Index.Similarity())),
                Index(
                    t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_(['draft', 'submitted'])),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'submitted'),
            ('submitted', 'approved'),
            ('draft', 'cancelled'),
            ('submitted', 'cancelled'),
            ('submitted', 'draft'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'submit': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(['draft', 'submitted']),
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': ~Eval('state').in_(
                        ['submitted', 'cancelled']),
                    'icon': If(Eval('state') == 'cancelled',
                        'tryton-undo', 'tryton-back'),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_date(cls):
        return today()

    @fields.depends('department')
    def on_change_with_location(self, name=None):
        if self.department and self.department.warehouse:
            return self.department.warehouse.storage_location

    def get_scan(self, name):
        return None

    @classmethod
    def set_scan(cls, usages, name, value):
        pass

    @fields.depends(
        'scan', 'department', 'date', 'company', 'lines',
        methods=['on_change_with_location'])
    def on_change_scan(self):
        pool = Pool()
        Barcode = pool.get('med.barcode')
        Product = pool.get('product.product')
        Lot = pool.get('stock.lot')
        Line = pool.get('med.usage.line')
        code, self.scan = self.scan, None
        if not code or not code.strip():
            return
        if not self.department:
            raise UsageError(gettext('med_lowvalue.msg_usage_scan_department'))
        location = self.on_change_with_location()
        scanned = Barcode.lookup(code)
        product = Product(scanned['product'])
        if scanned.get('lot'):
            # The lot must already be in the department store: a usage slip
            # never creates a lot, it consumes one that was issued.
            lots = Lot.search([
                    ('product', '=', product.id),
                    ('number', '=', scanned['lot']),
                    ])
            quantities = store_quantities(
                location, [product], self.date, self.company)
            held = [l for l in lots if quantities[(product.id, l.id)] > 0]
            if not held:
                raise UsageError(gettext(
                        'med_lowvalue.msg_usage_scan_lot_not_held',
                        lot=scanned['lot'], product=product.rec_name,
                        location=location.rec_name if location else ''))
            lot = held[0]
        else:
            lot = fefo_lot(location, product, self.date, self.company)
        lines = list(self.lines or [])
        for line in lines:
            if line.product == product and line.lot == lot:
                line.quantity = (line.quantity or 0) + 1
                break
        else:
            line = Line(product=product, lot=lot, quantity=1,
                unit=product.default_uom)
            lines.append(line)
        self.lines = lines

    @classmethod
    def copy(cls, usages, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('lines.moves', None)
        return super().copy(usages, default=default)

    @classmethod
    def check_lines(cls, usages, warn=False):
        """Refuse what cannot be used: no line, a date to come, a lot-tracked
        product without lot, an expired or recalled lot.  With warn, lots near
        expiry raise the overridable warning; return the usages whose near
        expiry lots the user accepted."""
        pool = Pool()
        Date = pool.get('ir.date')
        Lot = pool.get('stock.lot')
        accepted = []
        cls.check_period(usages)
        for usage in usages:
            if not usage.lines:
                raise UsageError(gettext(
                        'med_lowvalue.msg_usage_no_lines',
                        usage=usage.rec_name))
            with Transaction().set_context(company=usage.company.id):
                today = Date.today()
            if usage.date > today:
                raise UsageError(gettext(
                        'med_lowvalue.msg_usage_date_future',
                        usage=usage.rec_name, date=usage.date))
            without_lot = [l.product for l in usage.lines if not l.lot]
            quantities = store_quantities(
                usage.location, without_lot, usage.date, usage.company)
            for line in usage.lines:
                if not line.lot and is_lot_tracked(line.product, quantities):
                    proposed = fefo_lot(usage.location, line.product,
                        usage.date, usage.company)
                    raise UsageError(gettext(
                            'med_lowvalue.msg_usage_lot_required',
                            usage=usage.rec_name,
                            product=line.product.rec_name,
                            proposed=proposed.rec_name if proposed else '-'))
            near = Lot.check_usable(
                [l.lot for l in usage.lines if l.lot], date=usage.date,
                warning_key=f'{usage}.near_expiry' if warn else None)
            if near and warn:
                accepted.append(usage)
        return accepted

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    @stamp('submitted')
    def submit(cls, usages):
        accepted = cls.check_lines(usages, warn=True)
        if accepted:
            # the warning the user overrode is part of the audit
            cls.write(accepted, {
                    'near_expiry_accepted_by': current_employee(),
                    'near_expiry_accepted_at': dt.datetime.now(),
                    })

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    @stamp('approved')
    def approve(cls, usages):
        pool = Pool()
        Move = pool.get('stock.move')
        # A lot may have been recalled or expired since the slip was
        # submitted: check again before stock moves.
        cls.check_lines(usages)
        for usage in usages:
            lines = list(usage.lines)
            moves = [line.get_move() for line in lines]
            Move.save(moves)
            assign_or_raise(moves, lines, UsageError,
                'med_lowvalue.msg_usage_insufficient_stock', usage)
            Move.do(Move.search([
                        ('origin', 'in', [str(l) for l in lines]),
                        ('state', '=', 'assigned'),
                        ]))

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, usages):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, usages):
        cls._reset_steps(usages, ['submitted', 'near_expiry_accepted'])


class UsageLine(ModelSQL, ModelView):
    "Usage Slip Line"
    __name__ = 'med.usage.line'
    __string__ = "Usage Slip Line"

    _states = {
        'readonly': Eval('usage_state') != 'draft',
        }

    usage = fields.Many2One(
        'med.usage', "Usage Slip", required=True, ondelete='CASCADE',
        states={
            'readonly': (Eval('usage_state') != 'draft')
            & Bool(Eval('usage')),
            })
    product = fields.Many2One(
        'product.product', "Product", required=True,
        domain=[
            ('type', '=', 'goods'),
            # 高值 items are consumed through charge slips, traced to the
            # patient, never through a usage slip.
            ('template.consumable_class', '=', 'low'),
            ],
        states=_states,
        context={
            'locations': If(Eval('location'), [Eval('location', -1)], []),
            'stock_date_end': Eval('usage_date', None),
            },
        depends={'location', 'usage_date'})
    lot = fields.Many2One(
        'stock.lot', "Lot",
        domain=[('product', '=', Eval('product', -1))],
        states=_states,
        search_context={
            'locations': If(Eval('location'), [Eval('location', -1)], []),
            'stock_date_end': Eval('usage_date', None),
            },
        depends={'location', 'usage_date'},
        help="The lot printed on the package; the store's first-expiring "
        "usable lot is proposed.")
    expiration_date = fields.Function(
        fields.Date("Expiration Date"), 'on_change_with_expiration_date')
    specification = fields.Function(
        fields.Char("Specification"), 'on_change_with_specification')
    quantity = fields.Float(
        "Quantity", digits='unit', required=True, states=_states)
    unit = fields.Many2One(
        'product.uom', "Unit", required=True, ondelete='RESTRICT',
        domain=[
            If(Bool(Eval('product_uom_category')),
                ('category', '=', Eval('product_uom_category', -1)),
                ('category', '!=', -1)),
            ],
        states=_states)
    product_uom_category = fields.Function(
        fields.Many2One('product.uom.category', "Product UoM Category"),
        'on_change_with_product_uom_category')
    moves = fields.One2Many('stock.move', 'origin', "Moves", readonly=True)
    location = fields.Function(
        fields.Many2One('stock.location', "Department Store"),
        'on_change_with_location')
    usage_date = fields.Function(
        fields.Date("Usage Date"), 'on_change_with_usage_date')
    usage_state = fields.Function(
        fields.Selection('get_usage_states', "Usage State"),
        'on_change_with_usage_state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('usage')
        cls._order = [('usage', 'DESC'), ('id', 'ASC')]

    @fields.depends('usage', '_parent_usage.department')
    def on_change_with_location(self, name=None):
        if self.usage:
            return self.usage.on_change_with_location()

    @fields.depends('usage', '_parent_usage.date')
    def on_change_with_usage_date(self, name=None):
        if self.usage:
            return self.usage.date

    @classmethod
    def get_usage_states(cls):
        return Pool().get('med.usage').fields_get(['state'])['state'][
            'selection']

    @fields.depends('usage', '_parent_usage.state')
    def on_change_with_usage_state(self, name=None):
        if self.usage:
            return self.usage.state
        return 'draft'

    @fields.depends('lot')
    def on_change_with_expiration_date(self, name=None):
        if self.lot:
            return self.lot.expiration_date

    @fields.depends('product')
    def on_change_with_specification(self, name=None):
        if self.product:
            return self.product.specification

    @fields.depends('product')
    def on_change_with_product_uom_category(self, name=None):
        if self.product:
            return self.product.default_uom.category

    @fields.depends(
        'product', 'lot', 'unit', 'usage', '_parent_usage.department',
        '_parent_usage.date', '_parent_usage.company')
    def on_change_product(self):
        if not self.product:
            return
        category = self.product.default_uom.category
        if not self.unit or self.unit.category != category:
            self.unit = self.product.default_uom
        if self.lot and self.lot.product != self.product:
            self.lot = None
        if not self.lot and self.usage:
            self.lot = fefo_lot(
                self.usage.on_change_with_location(), self.product,
                self.usage.date, self.usage.company)

    def get_rec_name(self, name):
        name = self.product.rec_name
        if self.lot:
            name += f' [{self.lot.rec_name}]'
        return name

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('product.rec_name',) + tuple(clause[1:])]

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if external:
            for line in lines:
                if line.usage.state != 'draft':
                    raise AccessError(gettext(
                            'med_lowvalue.msg_usage_modify',
                            usage=line.usage.rec_name))

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        cls.check_quantity(lines, field_names)
        cls.check_catalog(lines, field_names)

    @classmethod
    def check_quantity(cls, lines, field_names=None):
        if field_names and 'quantity' not in field_names:
            return
        for line in lines:
            if line.quantity is not None and line.quantity <= 0:
                raise QuantityError(gettext(
                        'med_lowvalue.msg_usage_quantity_positive',
                        product=line.product.rec_name,
                        usage=line.usage.rec_name,
                        quantity=line.quantity))

    @classmethod
    def check_catalog(cls, lines, field_names=None):
        "Only products of the department's catalogue are used from its store."
        Catalog = Pool().get('med.department.catalog')
        if field_names and not {'product', 'usage'} & field_names:
            return
        with without_check_access():
            listed = {(c.department.id, c.product.id) for c in Catalog.search([
                        ('department', 'in',
                            list({l.usage.department.id for l in lines})),
                        ('product', 'in',
                            list({l.product.id for l in lines})),
                        ])}
        for line in lines:
            department = line.usage.department
            if (department.id, line.product.id) not in listed:
                raise CatalogError(gettext(
                        'med_lowvalue.msg_usage_product_not_in_catalog',
                        product=line.product.rec_name,
                        department=department.rec_name))

    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('moves', None)
        return super().copy(lines, default=default)

    def get_move(self):
        "The move of this line from the department store to 临床消耗"
        pool = Pool()
        Move = pool.get('stock.move')
        ModelData = pool.get('ir.model.data')
        Location = pool.get('stock.location')
        usage = self.usage
        consumption = Location(ModelData.get_id(
                'med_consumables_base', 'location_clinical_consumption'))
        with Transaction().set_context(company=usage.company.id):
            cost_price = self.product.cost_price
        return Move(
            company=usage.company,
            product=self.product,
            lot=self.lot,
            quantity=self.quantity,
            unit=self.unit,
            from_location=usage.location,
            to_location=consumption,
            planned_date=usage.date,
            effective_date=usage.date,
            unit_price=cost_price,
            currency=usage.company.currency,
            origin=self,
            )


class UsageReport(CompanyReport):
    __name__ = 'med.usage.slip'


