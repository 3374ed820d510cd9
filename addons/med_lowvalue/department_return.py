# 科室退货单: a department sends items back from its store to the
# supplying warehouse; the warehouse manager approves (the stock is then
# reserved) and the keeper receives them (the moves are done).
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.modules.company.company import CompanyReport
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If

from med_consumables_base.approval import stamp
from med_consumables_base.tools import today

from .exceptions import QuantityError, ReturnError
from .document import (
    DatedDraftMixin, DepartmentDocumentMixin, NumberNameMixin,
    audit_datetime, audit_employee)
from .usage import assign_or_raise, is_lot_tracked, store_quantities

__all__ = ['DepartmentReturn', 'DepartmentReturnLine',
    'DepartmentReturnReport']

REASONS = [
    ('damaged', "Damaged"),
    ('near_expiry', "Near Expiry"),
    ('surplus', "Surplus"),
    ('quality', "Quality Problem"),
    ('other', "Other"),
    ]


class DepartmentReturn(DepartmentDocumentMixin, DatedDraftMixin,
        NumberNameMixin, Workflow, ModelSQL, ModelView):
    "Department Return"
    __name__ = 'med.department.return'
    _msg_delete = 'msg_return_delete'
    _msg_modify = 'msg_return_modify'
    _number_sequence = 'sequence_department_return'
    _audit_steps = ('submitted', 'approved', 'done')
    __string__ = "Department Return"
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
        help="The department returning items from its store.")
    warehouse = fields.Many2One(
        'stock.location', "Receiving Store", required=True,
        domain=[
            ('type', '=', 'warehouse'),
            If(Eval('department_store'),
                ('id', '!=', Eval('department_store', -1)),
                ()),
            ],
        states=_states,
        help="The store that takes the items back "
        "(by default the department's supplying store).")
    department_store = fields.Function(fields.Many2One(
            'stock.location', "Department Store"),
        'on_change_with_department_store')
    from_location = fields.Function(fields.Many2One(
            'stock.location', "From Location"),
        'on_change_with_from_location')
    to_location = fields.Function(fields.Many2One(
            'stock.location', "To Location"),
        'on_change_with_to_location')
    reason = fields.Selection(
        REASONS, "Reason", required=True, states=_states, sort=False)
    reason_note = fields.Text(
        "Reason Note", states={
            'readonly': Eval('state') != 'draft',
            'required': Eval('reason') == 'other',
            },
        help="What is wrong with the items; required for reason Other.")
    date = fields.Date("Date", required=True, states=_states)
    lines = fields.One2Many(
        'med.department.return.line', 'department_return', "Lines",
        states={
            'readonly': (Eval('state') != 'draft') | ~Eval('department'),
            })
    has_recalled = fields.Function(fields.Boolean(
            "Recalled Lots",
            help="Some returned lots are recalled: the warehouse must "
            "quarantine them."),
        'get_has_recalled')
    done_by = audit_employee("Received By")
    done_at = audit_datetime("Received At")
    state = fields.Selection([
            ('draft', "Draft"),
            ('submitted', "Submitted"),
            ('approved', "Approved"),
            ('done', "Done"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')
    reason_string = reason.translated('reason')

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
                    where=t.state.in_(['draft', 'submitted', 'approved'])),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'submitted'),
            ('submitted', 'approved'),
            ('approved', 'done'),
            ('draft', 'cancelled'),
            ('submitted', 'cancelled'),
            ('approved', 'cancelled'),
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
                'do': {
                    'invisible': Eval('state') != 'approved',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'submitted', 'approved']),
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

    @classmethod
    def default_warehouse(cls):
        return cls._default_supply_warehouse()

    @fields.depends('department', 'warehouse')
    def on_change_department(self):
        if self.department:
            self.warehouse = self.department.supply_warehouse

    @fields.depends('department')
    def on_change_with_department_store(self, name=None):
        if self.department:
            return self.department.warehouse

    @fields.depends('department')
    def on_change_with_from_location(self, name=None):
        if self.department and self.department.warehouse:
            return self.department.warehouse.storage_location

    @fields.depends('warehouse')
    def on_change_with_to_location(self, name=None):
        if self.warehouse:
            return self.warehouse.storage_location

    def get_has_recalled(self, name):
        return any(l.lot and l.lot.recalled for l in self.lines)

    @classmethod
    def copy(cls, returns, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('lines.moves', None)
        return super().copy(returns, default=default)

    @classmethod
    def check_lines(cls, returns):
        cls.check_period(returns)
        for return_ in returns:
            if not return_.lines:
                raise ReturnError(gettext(
                        'med_lowvalue.msg_return_no_lines',
                        document=return_.rec_name))
            without_lot = [l.product for l in return_.lines if not l.lot]
            quantities = store_quantities(
                return_.from_location, without_lot, company=return_.company)
            for line in return_.lines:
                if not line.lot and is_lot_tracked(line.product, quantities):
                    raise ReturnError(gettext(
                            'med_lowvalue.msg_return_lot_required',
                            document=return_.rec_name,
                            product=line.product.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    @stamp('submitted')
    def submit(cls, returns):
        cls.check_lines(returns)

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    @stamp('approved')
    def approve(cls, returns):
        "Reserve the returned lots in the department store"
        pool = Pool()
        Move = pool.get('stock.move')
        cls.check_lines(returns)
        for return_ in returns:
            lines = list(return_.lines)
            moves = [line.get_move() for line in lines]
            Move.save(moves)
            assign_or_raise(moves, lines, ReturnError,
                'med_lowvalue.msg_return_insufficient_stock', return_)

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    @stamp('done')
    def do(cls, returns):
        pool = Pool()
        Move = pool.get('stock.move')
        Move.do([m for r in returns for l in r.lines for m in l.moves
                if m.state == 'assigned'])

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, returns):
        Move = Pool().get('stock.move')
        Move.cancel([m for r in returns for l in r.lines for m in l.moves
                if m.state not in {'done', 'cancelled'}])

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, returns):
        Move = Pool().get('stock.move')
        # Cancelled reservations are dropped: approving again reserves anew.
        Move.delete([m for r in returns for l in r.lines for m in l.moves
                if m.state == 'cancelled'])
        cls._reset_steps(returns, ['submitted', 'approved'])


class DepartmentReturnLine(ModelSQL, ModelView):
    "Department Return Line"
    __name__ = 'med.department.return.line'
    __string__ = "Department Return Line"

    _states = {
        'readonly': Eval('return_state') != 'draft',
        }

    department_return = fields.Many2One(
        'med.department.return', "Department Return", required=True,
        ondelete='CASCADE',
        states={
            'readonly': (Eval('return_state') != 'draft')
            & Bool(Eval('department_return')),
            })
    product = fields.Many2One(
        'product.product', "Product", required=True,
        domain=[('type', '=', 'goods')],
        states=_states,
        context={
            'locations': If(Eval('from_location'),
                [Eval('from_location', -1)], []),
            },
        depends={'from_location'})
    lot = fields.Many2One(
        'stock.lot', "Lot",
        domain=[('product', '=', Eval('product', -1))],
        states=_states,
        search_context={
            'locations': If(Eval('from_location'),
                [Eval('from_location', -1)], []),
            },
        depends={'from_location'})
    lot_status = fields.Function(fields.Selection([
                (None, ""),
                ('near', "Near Expiry"),
                ('expired', "Expired"),
                ('recalled', "Recalled"),
                ], "Lot Status",
            help="Recalled and expired lots may be returned; "
            "they are flagged for the warehouse."),
        'on_change_with_lot_status')
    lot_status_string = lot_status.translated('lot_status')
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
    from_location = fields.Function(
        fields.Many2One('stock.location', "From Location"),
        'on_change_with_from_location')
    return_state = fields.Function(
        fields.Selection('get_return_states', "Return State"),
        'on_change_with_return_state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('department_return')
        cls._order = [('department_return', 'DESC'), ('id', 'ASC')]

    @fields.depends(
        'department_return', '_parent_department_return.department')
    def on_change_with_from_location(self, name=None):
        if self.department_return:
            return self.department_return.on_change_with_from_location()

    @classmethod
    def get_return_states(cls):
        return Pool().get('med.department.return').fields_get(
            ['state'])['state']['selection']

    @fields.depends('department_return', '_parent_department_return.state')
    def on_change_with_return_state(self, name=None):
        if self.department_return:
            return self.department_return.state
        return 'draft'

    @fields.depends('lot')
    def on_change_with_lot_status(self, name=None):
        if not self.lot:
            return None
        if self.lot.recalled:
            return 'recalled'
        if self.lot.expiry_state in {'near', 'expired'}:
            return self.lot.expiry_state

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

    @fields.depends('product', 'lot', 'unit')
    def on_change_product(self):
        if not self.product:
            return
        category = self.product.default_uom.category
        if not self.unit or self.unit.category != category:
            self.unit = self.product.default_uom
        if self.lot and self.lot.product != self.product:
            self.lot = None

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('lot_status') == 'recalled', 'danger',
                    If(Eval('lot_status').in_(['near', 'expired']),
                        'warning', ''))),
            ]

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
                if line.department_return.state != 'draft':
                    raise AccessError(gettext(
                            'med_lowvalue.msg_return_modify',
                            document=line.department_return.rec_name))

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        if field_names and 'quantity' not in field_names:
            return
        for line in lines:
            if line.quantity is not None and line.quantity <= 0:
                raise QuantityError(gettext(
                        'med_lowvalue.msg_return_quantity_positive',
                        product=line.product.rec_name,
                        document=line.department_return.rec_name,
                        quantity=line.quantity))

    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('moves', None)
        return super().copy(lines, default=default)

    def get_move(self):
        "The move of this line from the department store to the warehouse"
        Move = Pool().get('stock.move')
        return_ = self.department_return
        return Move(
            company=return_.company,
            product=self.product,
            lot=self.lot,
            quantity=self.quantity,
            unit=self.unit,
            from_location=return_.from_location,
            to_location=return_.to_location,
            planned_date=return_.date,
            origin=self,
            )


class DepartmentReturnReport(CompanyReport):
    __name__ = 'med.department.return.slip'


