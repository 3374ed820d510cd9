# 请领单制作 / 请领单审核 / 按请领出库: the department requisition.
#
# A department asks its supplying store for products of its requisition
# catalogue; the head approves (a second approver above an amount, through
# ir.model.button.rule); the keeper issues what the store holds, lot by lot,
# first expiry first out, and the rest stays pending on the requisition.
from collections import defaultdict
from decimal import Decimal

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.modules.company import CompanyReport
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from med_consumables_base.approval import button_clickers, stamp
from med_consumables_base.tools import format_quantity, today

from .exceptions import CatalogError, QuantityError, RequisitionError
from .document import (
    DepartmentDocumentMixin, NumberedDocumentMixin, PdfWhenAvailableMixin,
    audit_datetime, audit_employee)
from .lot import store_quantities, usable_of, usable_quantities

STATES = [
    ('draft', "Draft"),
    ('submitted', "Submitted"),
    ('approved', "Approved"),
    ('rejected', "Rejected"),
    ('processing', "Processing"),
    ('done', "Done"),
    ('cancelled', "Cancelled"),
    ]


class Requisition(DepartmentDocumentMixin, NumberedDocumentMixin, Workflow,
        ModelSQL, ModelView):
    "Department requisition (请领单)"
    __string__ = "Department Requisition"
    __name__ = 'med.requisition'
    _number_sequence = 'sequence_requisition'
    _rec_name = 'number'
    _audit_steps = ('submitted', 'approved', 'rejected')
    _date_field = 'request_date'

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
        'med.department', "Department", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states={
            'readonly': (Eval('state') != 'draft') | Eval('lines', [0]),
            })
    warehouse = fields.Many2One(
        'stock.location', "Supplying Store", required=True,
        ondelete='RESTRICT',
        domain=[
            ('type', '=', 'warehouse'),
            # a department's 二级库 (its own or another's) supplies no one
            ('warehouse_kind', '!=', 'department'),
            ('id', '!=', Eval('department_store', -1)),
            ],
        states=_states,
        help="The store that issues to the department.")
    department_store = fields.Function(fields.Many2One(
            'stock.location', "Department Store"),
        'on_change_with_department_store')
    requested_by = fields.Many2One(
        'company.employee', "Requested By", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states=_states)
    request_date = fields.Date("Request Date", required=True, states=_states)
    lines = fields.One2Many(
        'med.requisition.line', 'requisition', "Lines",
        states={
            'readonly': (Eval('state') != 'draft') | ~Eval('department'),
            })
    comment = fields.Text("Comment", states=_states)
    currency = fields.Function(fields.Many2One(
            'currency.currency', "Currency"), 'on_change_with_currency')
    amount = fields.Function(Monetary(
            "Amount", currency='currency', digits='currency'),
        'get_amount')

    approvers = fields.Function(fields.Char(
            "Approvals",
            help="Who has approved so far (a large requisition needs "
            "more than one approver)."),
        'get_approvers')
    rejected_by = audit_employee("Rejected By")
    rejected_at = audit_datetime("Rejected At")
    reject_reason = fields.Text(
        "Rejection Reason", readonly=True,
        states={
            'invisible': ~Eval('reject_reason'),
            })
    shipments = fields.One2Many(
        'stock.shipment.internal', 'requisition', "Issues", readonly=True)
    state = fields.Selection(
        STATES, "State", readonly=True, required=True, sort=False)

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
                    t,
                    (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_([
                            'draft', 'submitted', 'approved', 'processing'])),
                })
        cls._order = [
            ('request_date', 'DESC'),
            ('number', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('draft', 'submitted'),
            ('submitted', 'draft'),
            ('submitted', 'approved'),
            ('submitted', 'rejected'),
            ('rejected', 'draft'),
            ('cancelled', 'draft'),
            ('draft', 'cancelled'),
            ('submitted', 'cancelled'),
            ('rejected', 'cancelled'),
            ('approved', 'cancelled'),
            ('approved', 'processing'),
            ('processing', 'processing'),
            ('processing', 'done'),
            # a return of an issue reopens what was finished
            ('done', 'processing'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': ~Eval('state').in_(
                        ['submitted', 'rejected', 'cancelled']),
                    'icon': If(Eval('state') == 'cancelled',
                        'tryton-undo', 'tryton-back'),
                    'depends': ['state'],
                    },
                'submit': {
                    'invisible': Eval('state') != 'draft',
                    'readonly': ~Eval('lines', []),
                    'icon': 'tryton-forward',
                    'depends': ['state', 'lines'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'submitted',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'submitted',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'submitted', 'rejected', 'approved']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'process': {
                    'invisible': ~Eval('state').in_(
                        ['approved', 'processing']),
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'processing',
                    'icon': 'tryton-close',
                    'depends': ['state'],
                    },
                'add_favorites': {
                    'invisible': Eval('state') != 'draft',
                    'readonly': ~Eval('department'),
                    'depends': ['state', 'department'],
                    },
                'top_up': {
                    'invisible': Eval('state') != 'draft',
                    'readonly': ~Eval('department'),
                    'depends': ['state', 'department'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_request_date(cls):
        return today()

    @classmethod
    def default_requested_by(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_warehouse(cls):
        return cls._default_supply_warehouse()

    @fields.depends('department', 'warehouse')
    def on_change_department(self):
        if self.department and self.department.supply_warehouse:
            self.warehouse = self.department.supply_warehouse

    @fields.depends('department')
    def on_change_with_department_store(self, name=None):
        if self.department:
            return self.department.warehouse

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        if self.company:
            return self.company.currency

    @classmethod
    def get_amount(cls, requisitions, name):
        pool = Pool()
        Line = pool.get('med.requisition.line')
        # Priced together, not through each line's amount field
        lines = [l for r in requisitions for l in r.lines]
        line_amounts = Line.get_prices(lines, ['amount'])['amount']
        amounts = {}
        for requisition in requisitions:
            amount = sum(
                (line_amounts[l.id] or Decimal(0) for l in requisition.lines),
                Decimal(0))
            if requisition.currency:
                amount = requisition.currency.round(amount)
            amounts[requisition.id] = amount
        return amounts

    @classmethod
    def get_approvers(cls, requisitions, name):
        return button_clickers(cls.__name__, 'approve', requisitions)

    def get_rec_name(self, name):
        number = self.number or f'({self.id})'
        if self.department:
            return f'{number} {self.department.rec_name}'
        return number

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause[:3]
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('number', operator, value),
            ('department.rec_name', operator, value),
            ]

    @classmethod
    def check_modification(
            cls, mode, requisitions, values=None, external=False):
        super().check_modification(
            mode, requisitions, values=values, external=external)
        if mode == 'delete':
            for requisition in requisitions:
                if (requisition.state not in {'draft', 'cancelled'}
                        or requisition.shipments):
                    raise AccessError(gettext(
                            'med_lowvalue.msg_requisition_delete',
                            requisition=requisition.rec_name))
        elif mode == 'write' and external:
            # Once submitted, a requisition changes only through its buttons
            for requisition in requisitions:
                if requisition.state != 'draft':
                    raise AccessError(gettext(
                            'med_lowvalue.msg_requisition_modify',
                            requisition=requisition.rec_name,
                            state=requisition.state_string))

    state_string = state.translated('state')

    @classmethod
    def copy(cls, requisitions, default=None):
        default = default.copy() if default is not None else {}
        for name in ['reject_reason', 'shipments']:
            default.setdefault(name, None)
        default.setdefault('lines.cancelled_quantity', 0)
        return super().copy(requisitions, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, requisitions):
        cls._reset_steps(requisitions, ['submitted', 'approved'])

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    @stamp('submitted')
    def submit(cls, requisitions):
        pool = Pool()
        Line = pool.get('med.requisition.line')
        for requisition in requisitions:
            if not requisition.lines:
                raise RequisitionError(gettext(
                        'med_lowvalue.msg_requisition_no_lines',
                        requisition=requisition.rec_name))
        lines = [l for r in requisitions for l in r.lines]
        # The department's stock may have grown since the draft was saved
        Line.check_catalog(lines)
        Line.check_maximum(lines)
        # a rejection answered by a new submission is forgotten
        cls.write(requisitions, dict.fromkeys(
                cls._audit_fields(['rejected']) + ['reject_reason']))

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    @stamp('approved')
    def approve(cls, requisitions):
        pass

    @classmethod
    @ModelView.button_action('med_lowvalue.wizard_requisition_reject')
    def reject(cls, requisitions):
        pass

    @classmethod
    @Workflow.transition('rejected')
    @stamp('rejected')
    def reject_with_reason(cls, requisitions, reason):
        if not reason or not reason.strip():
            raise RequisitionError(gettext(
                    'med_lowvalue.msg_requisition_reject_reason'))
        cls.write(requisitions, {'reject_reason': reason.strip()})

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, requisitions):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('processing')
    def process(cls, requisitions):
        "Issue what the supplying store holds (按请领出库)"
        pool = Pool()
        Shipment = pool.get('stock.shipment.internal')
        Product = pool.get('product.product')
        # Lock the products first so that two keepers issuing the same
        # product are serialised and the second sees the first's issue.
        Product.lock(list({
                    l.product for r in requisitions for l in r.lines}))
        shipments, empty = Shipment.create_from_requisitions(requisitions)
        if requisitions and not shipments:
            raise RequisitionError(gettext(
                    'med_lowvalue.msg_requisition_nothing_available',
                    requisitions=', '.join(r.rec_name for r in requisitions),
                    products=' '.join(
                        f'"{s["product"].rec_name}" {s["text"]}: '
                        f'{s["reason"]}'
                        for s in cls.shortfalls(empty)) or '-'))
        # What could not be issued is said at once, with its reason: the
        # client opens the shortfall window (proteus returns the wizard),
        # which computes the stock figures; here a pending line is enough
        if any(l.pending_quantity and l.pending_quantity > 0
                for r in cls.browse(requisitions) for l in r.lines):
            pool = Pool()
            ModelData = pool.get('ir.model.data')
            Action = pool.get('ir.action')
            return Action.get_action_id(ModelData.get_id(
                    'med_lowvalue', 'wizard_requisition_shortfall'))

    @classmethod
    def shortfalls(cls, requisitions):
        """What is still pending on the lines and why: per line the usable
        stock the supplying store has free, what other issues reserve and
        what lies in recalled or expired lots (usable_quantities)."""
        pool = Pool()
        Lang = pool.get('ir.lang')
        Uom = pool.get('product.uom')
        lang = Lang.get()
        by_store = defaultdict(list)
        for requisition in requisitions:
            for line in requisition.lines:
                if line.pending_quantity and line.pending_quantity > 0:
                    by_store[requisition.warehouse].append(line)
        # What these requisitions' own issues hold is not "other issues"
        own = defaultdict(float)
        for requisition in requisitions:
            for shipment in requisition.shipments:
                for move in shipment.outgoing_moves:
                    if move.state == 'assigned':
                        own[(requisition.warehouse, move.product)] += (
                            move.internal_quantity)
        result = []
        for store in sorted(by_store, key=lambda s: s.id):
            lines = by_store[store]
            products = list({l.product for l in lines})
            total = store_quantities(store, products, assign=False)
            usable = usable_of(total)
            free = usable_quantities(store, products, assign=True)
            for line in lines:
                product = line.product
                uom = product.default_uom
                in_stock = sum(
                    q for (p, _), q in total.items() if p == product.id)
                p_usable = uom.round(usable.get(product.id, 0))
                p_free = max(uom.round(free.get(product.id, 0)), 0)
                reserved = max(uom.round(
                        p_usable - p_free - own[(store, product)]), 0)
                unusable = max(uom.round(in_stock - p_usable), 0)
                pending = Uom.compute_qty(
                    line.unit, line.pending_quantity, uom)
                if p_free > 0:
                    reason = 'msg_shortfall_low_stock'
                elif reserved > 0:
                    reason = 'msg_shortfall_reserved'
                elif unusable > 0:
                    reason = 'msg_shortfall_unusable'
                else:
                    reason = 'msg_shortfall_no_stock'
                result.append({
                        'requisition': line.requisition,
                        'store': store,
                        'product': product,
                        'pending': pending,
                        'free': p_free,
                        'reserved': reserved,
                        'unusable': unusable,
                        'unit': uom,
                        'reason': gettext('med_lowvalue.' + reason),
                        'text': format_quantity(pending, uom, lang),
                        })
        return result

    @classmethod
    @ModelView.button
    def close(cls, requisitions):
        "Give up what is still pending; what is under way is still received"
        pool = Pool()
        Line = pool.get('med.requisition.line')
        lines = []
        for requisition in requisitions:
            if requisition.state != 'processing':
                continue
            for line in requisition.lines:
                if line.pending_quantity:
                    line.cancelled_quantity = line.unit.round(
                        (line.cancelled_quantity or 0)
                        + line.pending_quantity)
                    lines.append(line)
        Line.save(lines)
        cls.update_state(requisitions)

    @classmethod
    def update_state(cls, requisitions):
        "Processing until every line is received, given up or cancelled"
        to_done, to_processing = [], []
        requisitions = cls.browse([r.id for r in requisitions])
        for requisition in requisitions:
            if requisition.state not in {'processing', 'done'}:
                continue
            finished = all(
                not l.pending_quantity and not l.open_quantity
                for l in requisition.lines)
            state = 'done' if finished else 'processing'
            if requisition.state != state:
                (to_done if finished else to_processing).append(requisition)
        with without_check_access():
            cls.finish(to_done)
            cls.resume(to_processing)

    @classmethod
    @Workflow.transition('done')
    def finish(cls, requisitions):
        "Every line received, given up or cancelled (no button: the moves)"
        pass

    @classmethod
    @Workflow.transition('processing')
    def resume(cls, requisitions):
        "Something is pending again (no button: the moves)"
        pass

    @classmethod
    @ModelView.button
    def add_favorites(cls, requisitions):
        "从常用目录添加: the department's usual quantities"
        pool = Pool()
        Favorite = pool.get('med.department.favorite')
        Line = pool.get('med.requisition.line')
        lines = []
        for requisition in requisitions:
            if requisition.state != 'draft':
                continue
            present = {l.product for l in requisition.lines}
            for favorite in Favorite.search([
                        ('department', '=', requisition.department.id),
                        ]):
                if favorite.product in present:
                    continue
                lines.append(Line(
                        requisition=requisition,
                        product=favorite.product,
                        unit=favorite.product.default_uom,
                        quantity=favorite.quantity))
        Line.save(lines)

    @classmethod
    @ModelView.button
    def top_up(cls, requisitions):
        "按基数补足: par level minus what the department store holds"
        pool = Pool()
        Catalog = pool.get('med.department.catalog')
        Line = pool.get('med.requisition.line')
        Uom = pool.get('product.uom')
        to_save = []
        for requisition in requisitions:
            if requisition.state != 'draft':
                continue
            department = requisition.department
            entries = Catalog.search([
                    ('department', '=', department.id),
                    ('par_level', '>', 0),
                    ])
            stock = Line.store_quantities(
                department.warehouse, [e.product for e in entries])
            by_product = {l.product: l for l in requisition.lines}
            for entry in entries:
                product = entry.product
                uom = product.default_uom
                need = uom.round(entry.par_level - stock.get(product.id, 0))
                if need <= 0:
                    continue
                line = by_product.get(product)
                if line:
                    quantity = Uom.compute_qty(uom, need, line.unit)
                    if line.quantity != quantity:
                        line.quantity = quantity
                        to_save.append(line)
                else:
                    to_save.append(Line(
                            requisition=requisition, product=product,
                            unit=uom, quantity=need))
        Line.save(to_save)


class RequisitionLine(ModelSQL, ModelView):
    "Requisition line"
    __string__ = "Requisition Line"
    __name__ = 'med.requisition.line'
    requisition = fields.Many2One(
        'med.requisition', "Requisition", required=True, ondelete='CASCADE',
        states={
            'readonly': Eval('requisition_state') != 'draft',
            })
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='RESTRICT',
        domain=[
            ('type', '=', 'goods'),
            ('requisition_departments', '=', Eval(
                    '_parent_requisition', {}).get('department', -1)),
            ],
        states={
            'readonly': Eval('requisition_state') != 'draft',
            },
        help="Only products of the department's requisition catalogue.")
    product_uom_category = fields.Function(fields.Many2One(
            'product.uom.category', "Product UoM Category"),
        'on_change_with_product_uom_category')
    quantity = fields.Float(
        "Quantity", digits='unit', required=True,
        domain=[('quantity', '>', 0)],
        states={
            'readonly': Eval('requisition_state') != 'draft',
            })
    unit = fields.Many2One(
        'product.uom', "Unit", required=True, ondelete='RESTRICT',
        domain=[('category', '=', Eval('product_uom_category', -1))],
        states={
            'readonly': Eval('requisition_state') != 'draft',
            })
    specification = fields.Function(
        fields.Char("Specification"), 'on_change_with_specification')
    par_level = fields.Function(fields.Float(
            "Par Level", digits='unit'), 'get_catalog_quantities')
    max_quantity = fields.Function(fields.Float(
            "Maximum Quantity", digits='unit'), 'get_catalog_quantities')
    stock_quantity = fields.Function(fields.Float(
            "Department Stock", digits='unit',
            help="What the department store holds now."),
        'get_catalog_quantities')
    unit_price = fields.Function(Monetary(
            "Unit Price", currency='currency', digits=(16, 4)),
        'get_prices')
    amount = fields.Function(Monetary(
            "Amount", currency='currency', digits='currency'),
        'get_prices')
    currency = fields.Function(fields.Many2One(
            'currency.currency', "Currency"), 'on_change_with_currency')
    issued_quantity = fields.Function(fields.Float(
            "Issued Quantity", digits='unit',
            help="What left the supplying store for this line."),
        'get_quantities')
    received_quantity = fields.Function(fields.Float(
            "Received Quantity", digits='unit',
            help="What the department confirmed it received."),
        'get_quantities')
    shortfall_quantity = fields.Function(fields.Float(
            "Shortfall", digits='unit',
            help="Issued but not received: recorded as a difference at "
            "receipt and issued again."),
        'get_quantities')
    open_quantity = fields.Function(fields.Float(
            "Under Way", digits='unit',
            help="On an issue not yet received."),
        'get_quantities')
    pending_quantity = fields.Function(fields.Float(
            "Pending Quantity", digits='unit',
            help="Still to be issued."),
        'get_quantities')
    cancelled_quantity = fields.Float(
        "Given Up", digits='unit', readonly=True,
        help="Pending quantity given up when the requisition was closed.")
    moves = fields.One2Many(
        'stock.move', 'origin', "Moves", readonly=True)
    requisition_state = fields.Function(fields.Selection(
            STATES, "Requisition State"),
        'on_change_with_requisition_state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('requisition')
        cls._order = [('requisition', 'DESC'), ('id', 'ASC')]

    @classmethod
    def default_cancelled_quantity(cls):
        return 0

    @fields.depends('requisition', '_parent_requisition.state')
    def on_change_with_requisition_state(self, name=None):
        if self.requisition:
            return self.requisition.state

    @fields.depends('requisition', '_parent_requisition.company')
    def on_change_with_currency(self, name=None):
        if self.requisition and self.requisition.company:
            return self.requisition.company.currency

    @fields.depends('product')
    def on_change_with_product_uom_category(self, name=None):
        if self.product:
            return self.product.default_uom.category

    @fields.depends('product')
    def on_change_with_specification(self, name=None):
        if self.product:
            return self.product.specification

    @fields.depends('product', 'unit')
    def on_change_product(self):
        if self.product:
            category = self.product.default_uom.category
            if not self.unit or self.unit.category != category:
                self.unit = self.product.default_uom

    def get_rec_name(self, name):
        return f'{self.requisition.rec_name} - {self.product.rec_name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause[:3]
        bool_op = 'AND' if operator.startswith(('!', 'not ')) else 'OR'
        return [bool_op,
            ('requisition.rec_name', operator, value),
            ('product.rec_name', operator, value),
            ]

    # -- input checks ------------------------------------------------------

    @classmethod
    def create(cls, vlist):
        cls._check_input(vlist)
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        values_list = []
        for lines, values in zip(actions, actions):
            if {'product', 'quantity', 'requisition'} & values.keys():
                for line in lines:
                    current = {
                        'requisition': line.requisition.id,
                        'product': line.product.id,
                        'quantity': line.quantity,
                        }
                    current.update(values)
                    values_list.append(current)
        cls._check_input(values_list)
        super().write(*args)

    @classmethod
    def _check_input(cls, vlist):
        """Refuse a non-positive quantity or a product off the catalogue
        before anything is written, with a message naming the product."""
        pool = Pool()
        Product = pool.get('product.product')
        Requisition = pool.get('med.requisition')
        Catalog = pool.get('med.department.catalog')
        departments = {}
        wanted = set()
        with without_check_access():
            for values in vlist:
                product_id = values.get('product')
                quantity = values.get('quantity')
                if (quantity is not None and product_id is not None
                        and quantity <= 0):
                    raise QuantityError(gettext(
                            'med_lowvalue.msg_requisition_quantity_positive',
                            product=Product(product_id).rec_name,
                            quantity=quantity))
                requisition_id = values.get('requisition')
                if product_id is not None and requisition_id is not None:
                    if requisition_id not in departments:
                        departments[requisition_id] = Requisition(
                            requisition_id).department.id
                    wanted.add((departments[requisition_id], product_id))
            if not wanted:
                return
            catalog = set()
            department_ids = sorted({d for d, _ in wanted})
            product_ids = sorted({p for _, p in wanted})
            for sub_ids in grouped_slice(
                    product_ids, backend.MAX_QUERY_PARAMS):
                for entry in Catalog.search([
                            ('department', 'in', department_ids),
                            ('product', 'in', list(sub_ids)),
                            ]):
                    catalog.add((entry.department.id, entry.product.id))
            missing = sorted(wanted - catalog)
            if missing:
                Department = pool.get('med.department')
                department_id, product_id = missing[0]
                raise CatalogError(gettext(
                        'med_lowvalue.msg_requisition_not_in_catalog',
                        product=Product(product_id).rec_name,
                        department=Department(department_id).rec_name))

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if external and mode in {'create', 'write', 'delete'}:
            for line in lines:
                requisition = line.requisition
                if requisition.state != 'draft':
                    raise AccessError(gettext(
                            'med_lowvalue.msg_requisition_modify',
                            requisition=requisition.rec_name,
                            state=requisition.state_string))

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        if field_names and not {'product', 'quantity', 'unit'} & field_names:
            return
        cls.check_maximum(
            [l for l in lines if l.requisition.state == 'draft'])

    @classmethod
    def check_catalog(cls, lines):
        cls._check_input([{
                    'requisition': l.requisition.id,
                    'product': l.product.id,
                    'quantity': l.quantity,
                    } for l in lines])

    @classmethod
    def check_maximum(cls, lines):
        """The department may hold at most the catalogue's maximum: what it
        requests plus what its store holds must stay within it."""
        pool = Pool()
        Uom = pool.get('product.uom')
        Lang = pool.get('ir.lang')
        if not lines:
            return
        lang = Lang.get()
        to_check = {(l.requisition, l.product) for l in lines}
        by_department = defaultdict(set)
        for requisition, _ in to_check:
            by_department[requisition.department].add(requisition)
        for department, requisitions in by_department.items():
            entries = cls.catalog_entries(
                department, {p for r, p in to_check if r in requisitions},
                [('max_quantity', '!=', None)])
            if not entries:
                continue
            stock = cls.store_quantities(department.warehouse, list(entries))
            for requisition in sorted(requisitions, key=lambda r: r.id):
                requested = defaultdict(float)
                for line in requisition.lines:
                    if (line.product in entries
                            and (requisition, line.product) in to_check):
                        requested[line.product] += Uom.compute_qty(
                            line.unit, line.quantity or 0,
                            line.product.default_uom, round=False)
                for product, quantity in requested.items():
                    uom = product.default_uom
                    maximum = entries[product].max_quantity
                    in_stock = stock.get(product.id, 0)
                    allowed = uom.round(maximum - in_stock)
                    if uom.round(quantity) <= allowed:
                        continue
                    raise QuantityError(gettext(
                            'med_lowvalue.msg_requisition_over_maximum',
                            product=product.rec_name,
                            department=department.rec_name,
                            quantity=format_quantity(quantity, uom, lang),
                            maximum=format_quantity(maximum, uom, lang),
                            stock=format_quantity(in_stock, uom, lang),
                            allowed=format_quantity(
                                max(allowed, 0), uom, lang)))

    @classmethod
    def catalog_entries(cls, department, products, domain=None):
        "The department's catalogue entry per product"
        Catalog = Pool().get('med.department.catalog')
        entries = {}
        with without_check_access():
            for sub_products in grouped_slice(
                    list(products), backend.MAX_QUERY_PARAMS):
                for entry in Catalog.search([
                            ('department', '=', department.id),
                            ('product', 'in', [p.id for p in sub_products]),
                            ] + (domain or [])):
                    entries[entry.product] = entry
        return entries

    @classmethod
    def store_quantities(cls, store, products):
        """Usable quantity per product id in the store, in the default unit:
        recalled or expired lots neither fill the par level nor cover a
        need (usable_quantities)."""
        return usable_quantities(store, products)

    # -- computed quantities ----------------------------------------------

    @classmethod
    def get_catalog_quantities(cls, lines, names):
        pool = Pool()
        Uom = pool.get('product.uom')
        result = {n: {l.id: None for l in lines} for n in names}
        by_department = defaultdict(list)
        for line in lines:
            by_department[line.requisition.department].append(line)
        for department, d_lines in by_department.items():
            products = list({l.product for l in d_lines})
            entries = cls.catalog_entries(department, products)
            stock = {}
            if 'stock_quantity' in names:
                stock = cls.store_quantities(department.warehouse, products)
            for line in d_lines:
                entry = entries.get(line.product)
                values = {
                    'par_level': entry.par_level if entry else None,
                    'max_quantity': entry.max_quantity if entry else None,
                    'stock_quantity': stock.get(line.product.id, 0),
                    }
                for name in names:
                    value = values[name]
                    if value is not None:
                        # The catalogue and the stock are in default units
                        value = Uom.compute_qty(
                            line.product.default_uom, value, line.unit)
                    result[name][line.id] = value
        return result

    @classmethod
    def get_prices(cls, lines, names):
        "Contract price of the hospital catalogue, else the cost price"
        pool = Pool()
        Catalog = pool.get('med.catalog')
        Product = pool.get('product.product')
        Requisition = pool.get('med.requisition')
        Uom = pool.get('product.uom')
        result = {n: {} for n in names}
        # The lines' values rather than their records: the requisition's
        # amount prices every line of the form (bench/requisition.py)
        with without_check_access():
            values = cls.read(
                [l.id for l in lines],
                ['product', 'quantity', 'unit', 'requisition'])
        products = Product.browse(sorted({v['product'] for v in values}))
        prices = {}
        with without_check_access():
            for sub_products in grouped_slice(
                    products, backend.MAX_QUERY_PARAMS):
                for entry in Catalog.search([
                            ('product', 'in', [p.id for p in sub_products]),
                            ('valid', '=', True),
                            ]):
                    prices.setdefault(entry.product.id, entry.contract_price)
            for product in products:
                if product.id not in prices:
                    prices[product.id] = product.cost_price or Decimal(0)
        default_uoms = {p.id: p.default_uom for p in products}
        units = {u.id: u for u in Uom.browse(
                sorted({v['unit'] for v in values}))}
        currencies = {r.id: r.currency for r in Requisition.browse(
                sorted({v['requisition'] for v in values}))}
        unit_prices = {}
        for value in values:
            key = value['product'], value['unit']
            if key not in unit_prices:
                # Catalogue prices are per default unit of the product
                unit_prices[key] = Uom.compute_price(
                    default_uoms[value['product']], prices[value['product']],
                    units[value['unit']])
            unit_price = unit_prices[key]
            if 'unit_price' in names:
                result['unit_price'][value['id']] = unit_price
            if 'amount' in names:
                amount = Decimal(str(value['quantity'] or 0)) * unit_price
                currency = currencies[value['requisition']]
                if currency:
                    amount = currency.round(amount)
                result['amount'][value['id']] = amount
        return result

    @classmethod
    def get_quantities(cls, lines, names):
        pool = Pool()
        Move = pool.get('stock.move')
        Uom = pool.get('product.uom')
        totals = {l.id: defaultdict(float) for l in lines}
        by_id = {l.id: l for l in lines}
        with without_check_access():
            for sub_lines in grouped_slice(
                    lines, backend.MAX_QUERY_PARAMS):
                moves = Move.search([
                        ('origin', 'in', [str(l) for l in sub_lines]),
                        ('state', '!=', 'cancelled'),
                        ])
                for move in moves:
                    line = by_id[move.origin.id]
                    quantity = Uom.compute_qty(
                        move.unit, move.quantity, line.unit, round=False)
                    kind = cls._move_kind(move)
                    totals[line.id][kind] += quantity
        result = {n: {} for n in names}
        for line in lines:
            total = totals[line.id]
            round_ = line.unit.round
            values = {
                'received_quantity': total['received'],
                'shortfall_quantity': total['shortfall'],
                'issued_quantity': (
                    total['received'] + total['shortfall']
                    + total['transit']),
                'open_quantity': total['transit'] + total['reserved'],
                'pending_quantity': max(
                    (line.quantity or 0) - total['received']
                    - total['transit'] - total['reserved']
                    - (line.cancelled_quantity or 0), 0),
                }
            for name in names:
                result[name][line.id] = round_(values[name])
        return result

    @staticmethod
    def _move_kind(move):
        "How a move of the line counts: received, shortfall, transit, reserved"
        if move.state == 'done':
            if move.to_location.type == 'lost_found':
                return 'shortfall'
            return 'received'
        shipment = move.shipment
        if (shipment and shipment.__name__ == 'stock.shipment.internal'
                and shipment.state == 'shipped'):
            return 'transit'
        return 'reserved'


class RequisitionRejectStart(ModelView):
    "Reject a requisition"
    __string__ = "Reject a Requisition"
    __name__ = 'med.requisition.reject.start'
    reason = fields.Text("Reason", required=True)


class RequisitionShortfallStart(ModelView):
    "What an issue could not take"
    __string__ = "Issue Shortfall"
    __name__ = 'med.requisition.shortfall.start'
    lines = fields.One2Many(
        'med.requisition.shortfall.line', None, "Not Issued", readonly=True)


class RequisitionShortfallLine(ModelView):
    "A requisition line not issued in full, and why"
    __string__ = "Issue Shortfall Line"
    __name__ = 'med.requisition.shortfall.line'
    requisition = fields.Many2One(
        'med.requisition', "Requisition", readonly=True)
    store = fields.Many2One('stock.location', "Supplying Store", readonly=True)
    product = fields.Many2One('product.product', "Product", readonly=True)
    pending = fields.Float("Not Issued", digits='unit', readonly=True)
    free = fields.Float(
        "Usable Free", digits='unit', readonly=True,
        help="Usable stock in the store not reserved by an issue.")
    reserved = fields.Float(
        "Reserved", digits='unit', readonly=True,
        help="Usable stock reserved by other issues.")
    unusable = fields.Float(
        "Recalled or Expired", digits='unit', readonly=True)
    unit = fields.Many2One('product.uom', "Unit", readonly=True)
    reason = fields.Char("Reason", readonly=True)


class RequisitionShortfall(Wizard):
    "Show what the issue of requisitions left pending"
    __name__ = 'med.requisition.shortfall'
    start = StateView(
        'med.requisition.shortfall.start',
        'med_lowvalue.requisition_shortfall_start_view_form', [
            Button("OK", 'end', 'tryton-ok', default=True),
            ])

    def default_start(self, fields):
        Requisition = Pool().get('med.requisition')
        shortfalls = Requisition.shortfalls(self.records)
        keys = ['requisition', 'store', 'product', 'unit']
        return {
            'lines': [{
                    **{k: s[k].id for k in keys},
                    **{k: s[k] for k in [
                            'pending', 'free', 'reserved', 'unusable',
                            'reason']},
                    } for s in shortfalls],
            }


class RequisitionReject(Wizard):
    "Reject a requisition with a reason"
    __name__ = 'med.requisition.reject'
    start = StateView(
        'med.requisition.reject.start',
        'med_lowvalue.requisition_reject_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Reject", 'reject', 'tryton-ok', default=True),
            ])
    reject = StateTransition()

    def transition_reject(self):
        # The wizard is for heads only (its action's groups) and reads the
        # records through their rules; the transition itself is internal.
        with without_check_access():
            self.model.reject_with_reason(
                [r for r in self.records if r.state == 'submitted'],
                self.start.reason)
        return 'end'


class RequisitionReport(PdfWhenAvailableMixin, CompanyReport):
    "请领单"
    __name__ = 'med.requisition.report'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['issuers'] = cls.issuers
        context['receivers'] = cls.receivers
        return context

    @staticmethod
    def _names(employees):
        return ', '.join(sorted({e.rec_name for e in employees if e}))

    @classmethod
    def issuers(cls, requisition):
        "发料人: who shipped the issues"
        return cls._names(s.shipped_by for s in requisition.shipments)

    @classmethod
    def receivers(cls, requisition):
        "领用人: who received them"
        return cls._names(s.done_by for s in requisition.shipments)
