# 机构管理: distributors (经销商) and manufacturers (生产企业) are parties.
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.tools import is_full_text, lstrip_wildcard

from .product import pinyin_initials


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    is_distributor = fields.Boolean(
        "Distributor", help="Supplies the hospital (经销商).")
    is_manufacturer = fields.Boolean(
        "Manufacturer", help="Manufactures medical devices (生产企业).")
    uscc = fields.Function(fields.Char(
            "Unified Social Credit Code",
            help="The 18-character code of the business licence; "
            "recorded as an identifier of type cn_vat."),
        'get_uscc', searcher='search_uscc')
    pinyin = fields.Char("Pinyin Code", readonly=True)
    qualifications = fields.One2Many(
        'med.qualification', 'party', "Qualifications")

    @classmethod
    def default_is_distributor(cls):
        return False

    @classmethod
    def default_is_manufacturer(cls):
        return False

    def get_uscc(self, name):
        for identifier in self.identifiers:
            if identifier.type == 'cn_vat':
                return identifier.code

    @classmethod
    def search_uscc(cls, name, clause):
        _, operator, operand, *extra = clause
        return [
            ('identifiers', 'where', [
                    ('type', '=', 'cn_vat'),
                    ('code', operator, operand, *extra),
                    ]),
            ]

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if 'name' in values:
            values['pinyin'] = pinyin_initials(values['name'])
        return values

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = super().search_rec_name(name, clause)
        _, operator, operand, *extra = clause
        value = operand
        if operator.endswith('like') and is_full_text(operand):
            value = lstrip_wildcard(operand)
        return domain + [('pinyin', operator, operand, *extra)]
