# What the department documents (请领单, 使用单, 科室退货单) share.
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import without_check_access


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
