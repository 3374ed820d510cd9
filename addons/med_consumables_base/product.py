# 产品信息管理 / 产品分类管理: the consumable master data on Tryton's product.
import re

from pypinyin import Style, lazy_pinyin
from stdnum import ean

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import is_full_text, lstrip_wildcard

from .exceptions import DuplicateDIError, IdentifierError, NhsaCodeError

# 医保医用耗材代码: C + 26 digits (27 chars) for a given specification, or the
# 20-char prefix (C + 19 digits) that identifies the product without the
# specification part.  The first six digits are the three classification
# levels (一级/二级/三级分类), each 01..99.
NHSA_RE = re.compile(r'^C(\d{26}|\d{19})$')
MA_DI_RE = re.compile(r'^MA\.156\.M0\.[0-9A-Za-z]+(\.[0-9A-Za-z]+)+$')
UDI_TYPES = ('gs1_di', 'ma_di')
CONSUMABLE_CLASSES = [
    ('low', "Low-value"),
    ('high', "High-value"),
    ]


def pinyin_initials(text):
    "简码: the lower-case initials of the Chinese name, e.g. 注射器 → zsq"
    if not text:
        return ''
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors='default')
    return re.sub(r'[^0-9a-z]', '', ''.join(letters).lower())


def check_nhsa_code(code):
    if not code:
        return True
    if not NHSA_RE.match(code):
        return False
    levels = [code[i:i + 2] for i in (1, 3, 5)]
    return all(level != '00' for level in levels)


class Category(metaclass=PoolMeta):
    __name__ = 'product.category'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # One catalogue language: the hospital names things in Chinese.
        # Untranslated names keep searches on plain columns.
        cls.name.translate = False


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'
    consumable_class = fields.Selection(
        CONSUMABLE_CLASSES, "Consumable Class", required=True,
        help="Low-value consumables are issued to departments; "
        "high-value ones are traced to the patient.")
    nhsa_code = fields.Char(
        "NHSA Code", size=27, strip=True,
        help="The 27-character national healthcare security consumable "
        "code (C + 26 digits) or its 20-character product prefix.")
    registration_number = fields.Char(
        "Registration Number", strip=True,
        help="Medical device registration certificate or filing number.")
    registration_expiry = fields.Date("Registration Expiry")
    specification = fields.Char("Specification", strip=True)
    manufacturer = fields.Many2One(
        'party.party', "Manufacturer", ondelete='RESTRICT',
        domain=[('is_manufacturer', '=', True)])
    pinyin = fields.Char(
        "Pinyin Code", readonly=True,
        help="Initials of the name, to find products by typing e.g. 'zsq'.")
    qualifications = fields.One2Many(
        'med.qualification', 'product', "Qualifications")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.name.translate = False
        cls._order.insert(0, ('consumable_class', 'ASC'))

    @classmethod
    def default_consumable_class(cls):
        return 'low'

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if 'name' in values:
            values['pinyin'] = pinyin_initials(values['name'])
        return values

    @fields.depends('name')
    def on_change_name(self):
        self.pinyin = pinyin_initials(self.name)

    def get_rec_name(self, name):
        rec_name = super().get_rec_name(name)
        if self.specification:
            rec_name += ' ' + self.specification
        return rec_name

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = super().search_rec_name(name, clause)
        _, operator, operand, *extra = clause
        value = operand
        if operator.endswith('like') and is_full_text(operand):
            value = lstrip_wildcard(operand)
        return domain + [
            ('pinyin', operator, operand, *extra),
            ('nhsa_code', operator, value, *extra),
            ('specification', operator, operand, *extra),
            ]

    @classmethod
    def validate_fields(cls, templates, field_names):
        super().validate_fields(templates, field_names)
        if field_names is None or 'nhsa_code' in field_names:
            for template in templates:
                if not check_nhsa_code(template.nhsa_code):
                    raise NhsaCodeError(gettext(
                            'med_consumables_base.msg_invalid_nhsa_code',
                            code=template.nhsa_code,
                            product=template.rec_name))


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = super().search_rec_name(name, clause)
        _, operator, operand, *extra = clause
        value = operand
        if operator.endswith('like') and is_full_text(operand):
            value = lstrip_wildcard(operand)
        return domain + [
            ('template.pinyin', operator, operand, *extra),
            ('template.nhsa_code', operator, value, *extra),
            ('template.specification', operator, operand, *extra),
            ]


class Identifier(metaclass=PoolMeta):
    __name__ = 'product.identifier'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.type.selection += [
            ('gs1_di', "UDI-DI (GS1 GTIN)"),
            ('ma_di', "UDI-DI (MA)"),
            ]

    @fields.depends('type', 'code')
    def on_change_with_code(self):
        code = super().on_change_with_code()
        if self.type in UDI_TYPES and code:
            code = code.strip().replace(' ', '')
        return code

    @fields.depends('type', 'code', 'product')
    def check_code(self):
        if self.type == 'gs1_di':
            code = self.code or ''
            if not (code.isdigit() and len(code) in {8, 12, 13, 14}
                    and ean.is_valid(code)):
                raise IdentifierError(gettext(
                        'med_consumables_base.msg_invalid_gtin', code=code))
        elif self.type == 'ma_di':
            if not MA_DI_RE.match(self.code or ''):
                raise IdentifierError(gettext(
                        'med_consumables_base.msg_invalid_ma_di',
                        code=self.code))
        else:
            super().check_code()

    @classmethod
    def validate(cls, identifiers):
        super().validate(identifiers)
        cls.check_udi_unique(identifiers)

    @classmethod
    def check_udi_unique(cls, identifiers):
        "One UDI-DI designates one product: a scan must never be ambiguous."
        udis = [i for i in identifiers if i.type in UDI_TYPES]
        if not udis:
            return
        others = cls.search([
                ('type', 'in', UDI_TYPES),
                ('code', 'in', list({i.code for i in udis})),
                ])
        by_code = {}
        for identifier in others:
            by_code.setdefault(identifier.code, set()).add(
                identifier.product.id)
        for identifier in udis:
            products = by_code.get(identifier.code, set())
            if len(products) > 1:
                other = Pool().get('product.product')(
                    min(products - {identifier.product.id}))
                raise DuplicateDIError(gettext(
                        'med_consumables_base.msg_duplicate_di',
                        code=identifier.code,
                        product=other.rec_name))
