# What the department documents (请领单, 使用单, 科室退货单) share, and their
# printed slips (PdfWhenAvailableMixin, also the 出库单 of shipment.py).
import shutil

from sql import Table

from trytond import backend
from trytond.config import config
from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from med_consumables_base.tools import today


def audit_employee(string, **kwargs):
    """Who did a step (the audit convention: employee + DateTime).  Only
    the step's transition sets it (approval.stamp), so it is read-only in
    every state and the RPC guard refuses it in a create or a write."""
    return fields.Many2One(
        'company.employee', string, readonly=True,
        domain=[('company', '=', Eval('company', -1))], **kwargs)


def audit_datetime(string, **kwargs):
    "When a step was done (set with its audit_employee)"
    return fields.DateTime(string, readonly=True, **kwargs)


class DepartmentDocumentMixin:
    """What a department's document (请领单, 使用单, 科室退货单) shares:
    the company and department it is made for, its date, the audit stamps
    of its steps and what a copy starts again from.

    _audit_steps: the steps stamped <step>_by / <step>_at (the model
    defines the fields beyond submitted and approved); _date_field: the
    document's date field, today on a copy.
    """
    __slots__ = ()
    _audit_steps = ('submitted', 'approved')
    _date_field = 'date'

    submitted_by = audit_employee("Submitted By")
    submitted_at = audit_datetime("Submitted At")
    approved_by = audit_employee("Approved By")
    approved_at = audit_datetime("Approved At")

    @classmethod
    def __register__(cls, module):
        migrate_user_stamps(cls, [
                f for f in cls._audit_fields() if f.endswith('_by')])
        super().__register__(module)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_department(cls):
        "The user's department, when they work for one only"
        Department = Pool().get('med.department')
        departments = Department.user_departments()
        if len(departments) == 1:
            return departments[0]

    @classmethod
    def _default_supply_warehouse(cls):
        "The store that supplies the default department"
        Department = Pool().get('med.department')
        department = cls.default_department()
        if department is not None:
            # a department user may not read the central store
            with without_check_access():
                warehouse = Department(department).supply_warehouse
                return warehouse.id if warehouse else None

    @classmethod
    def _audit_fields(cls, steps=None):
        return [f'{step}_{part}' for step in (steps or cls._audit_steps)
            for part in ('by', 'at')]

    @classmethod
    def _reset_steps(cls, records, steps):
        "Forget who did the steps: the document went back to draft"
        cls.write(list(records), dict.fromkeys(cls._audit_fields(steps)))

    @classmethod
    def copy(cls, records, default=None):
        """A copy is a new draft: a new number, today's date, nobody has
        submitted or approved it yet."""
        default = default.copy() if default is not None else {}
        for name in ['number'] + cls._audit_fields():
            default.setdefault(name, None)
        default.setdefault(cls._date_field, today())
        return super().copy(records, default=default)


def migrate_user_stamps(cls, names):
    """Until 2026-12 使用单 and 科室退货单 stamped the res.user: their
    *_by columns become the user's employee (and lose the foreign key to
    res_user, which the new one to company_employee replaces).  A column
    that already holds employees (ir.model.field says so) is left alone."""
    TableHandler = backend.TableHandler
    if not TableHandler.table_exist(cls._table):
        return
    table_h = cls.__table_handler__()
    cursor = Transaction().connection.cursor()
    model_field = Table('ir_model_field')
    user = Table('res_user')
    table = cls.__table__()
    for name in names:
        if not table_h.column_exist(name):
            continue
        cursor.execute(*model_field.select(model_field.relation,
                where=(model_field.model == cls.__name__)
                & (model_field.name == name)))
        row = cursor.fetchone()
        if not row or row[0] != 'res.user':
            continue
        table_h.drop_fk(name)
        column = getattr(table, name)
        cursor.execute(*table.update([column],
                user.select(user.employee, where=user.id == column),
                where=column != None))  # noqa: E711


class NumberedDocumentMixin:
    """A document numbered from its ir.sequence when created.

    _number_sequence is the xml id (in med_lowvalue) of the sequence.
    """
    __slots__ = ()
    _number_sequence = None

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Sequence = pool.get('ir.sequence')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('number'):
            sequence = Sequence(ModelData.get_id(
                    'med_lowvalue', cls._number_sequence))
            # department users may not read sequences, but their
            # documents still need a number
            with without_check_access():
                values['number'] = sequence.get()
        return values


class NumberNameMixin(NumberedDocumentMixin):
    "Named and searched by its number; cancelled documents are muted"
    __slots__ = ()

    def get_rec_name(self, name):
        return self.number or str(self.id)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('number',) + tuple(clause[1:])]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('state') == 'cancelled', 'muted', '')),
            ]


class DatedDraftMixin:
    """A dated department document (使用单, 科室退货单): only a draft is
    changed by hand, only a draft or cancelled one is deleted, and none is
    dated in a closed stock month (its moves take the document's date: one
    of a closed month could be submitted but never approved).

    _msg_delete / _msg_modify are the ir.message xml ids (in med_lowvalue),
    _msg_param the name their text uses for the document.
    """
    __slots__ = ()
    _msg_delete = _msg_modify = None
    _msg_param = 'document'

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if mode == 'delete':
            for record in records:
                if record.state not in {'draft', 'cancelled'}:
                    raise AccessError(gettext(
                            'med_lowvalue.' + cls._msg_delete,
                            **{cls._msg_param: record.rec_name}))
        elif mode == 'write' and external:
            # Once submitted, the document is what is approved and what was
            # moved: only the workflow buttons change it.
            for record in records:
                if record.state != 'draft':
                    raise AccessError(gettext(
                            'med_lowvalue.' + cls._msg_modify,
                            **{cls._msg_param: record.rec_name}))
        if mode == 'create':
            cls.check_period(records)
        elif mode == 'write' and 'date' in values:
            cls.check_period(records, values['date'])

    @classmethod
    def check_period(cls, records, date=None):
        "Refuse a document dated in a closed stock month (PeriodError)"
        Period = Pool().get('stock.period')
        Period.check_open(records, lambda r: date or r.date)


class PdfWhenAvailableMixin:
    "PDF through LibreOffice when it is installed, the ODT slip otherwise"
    __slots__ = ()

    @classmethod
    def convert(cls, report, data, **kwargs):
        output_format = report.extension or report.template_extension
        if (output_format != report.template_extension
                and not config.get('report', 'convert_command')
                and not shutil.which('soffice')):
            return report.template_extension, data
        return super().convert(report, data, **kwargs)
