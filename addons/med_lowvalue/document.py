# What the department documents (请领单, 使用单, 科室退货单) share.
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
