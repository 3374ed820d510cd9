# 产品目录管理: the hospital catalogue of contracted products and prices.
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .exceptions import CatalogError
from .qualification import reference_date


class Catalog(ModelSQL, ModelView):
    "Products the hospital may buy, from which distributor, at which price"
    __string__ = "Product Catalogue"
    __name__ = 'med.catalog'
    company = fields.Many2One('company.company', "Company", required=True)
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='CASCADE')
    consumable_class = fields.Function(fields.Selection(
            'get_consumable_classes', "Consumable Class"),
        'on_change_with_consumable_class',
        searcher='search_consumable_class')
    distributor = fields.Many2One(
        'party.party', "Distributor", required=True, ondelete='RESTRICT',
        domain=[('is_distributor', '=', True)])
    contract_number = fields.Char("Contract Number", strip=True)
    contract_price = Monetary(
        "Contract Price", currency='currency', digits=(16, 4), required=True)
    currency = fields.Many2One('currency.currency', "Currency", required=True)
    unit = fields.Function(fields.Many2One('product.uom', "Unit"),
        'on_change_with_unit')
    valid_from = fields.Date(
        "Valid From",
        domain=[If(Eval('valid_from') & Eval('valid_to'),
                ('valid_from', '<=', Eval('valid_to')), ())])
    valid_to = fields.Date("Valid To")
    in_catalog = fields.Boolean(
        "In Catalogue",
        help="Untick to take the product off the hospital catalogue "
        "without losing its history.")
    valid = fields.Function(fields.Boolean("Valid"), 'get_valid',
        searcher='search_valid')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('product', 'ASC'), ('valid_from', 'DESC NULLS FIRST'),
            ('id', 'ASC')]

    @classmethod
    def view_attributes(cls):
        # Tree attributes are PySON only when set by the server: raw PySON
        # text in the view XML is not parsed by sao (empty list).
        return super().view_attributes() + [
            ('/tree', 'visual', If(~Eval('valid', False), 'muted', '')),
            ]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_currency(cls):
        pool = Pool()
        Company = pool.get('company.company')
        company = Transaction().context.get('company')
        if company is not None and company >= 0:
            return Company(company).currency.id

    @classmethod
    def default_in_catalog(cls):
        return True

    @classmethod
    def get_consumable_classes(cls):
        Template = Pool().get('product.template')
        return Template.fields_get(['consumable_class'])[
            'consumable_class']['selection']

    @fields.depends('product')
    def on_change_with_consumable_class(self, name=None):
        if self.product:
            return self.product.consumable_class

    @classmethod
    def search_consumable_class(cls, name, clause):
        return [('product.template.consumable_class',) + tuple(clause[1:])]

    @fields.depends('product')
    def on_change_with_unit(self, name=None):
        if self.product:
            return self.product.default_uom

    def get_valid(self, name):
        today = reference_date()
        return bool(self.in_catalog
            and (not self.valid_from or self.valid_from <= today)
            and (not self.valid_to or self.valid_to >= today))

    @classmethod
    def search_valid(cls, name, clause):
        _, operator, value = clause[:3]
        today = reference_date()
        domain = [
            ('in_catalog', '=', True),
            ['OR', ('valid_from', '=', None), ('valid_from', '<=', today)],
            ['OR', ('valid_to', '=', None), ('valid_to', '>=', today)],
            ]
        if (operator == '=') != bool(value):
            domain = ['NOT', domain]
        return domain

    def get_rec_name(self, name):
        return f'{self.product.rec_name} / {self.distributor.rec_name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return ['OR',
            ('product.rec_name',) + tuple(clause[1:]),
            ('distributor.rec_name',) + tuple(clause[1:]),
            ('contract_number',) + tuple(clause[1:]),
            ]

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        for line in lines:
            if line.contract_price is not None and line.contract_price < 0:
                raise CatalogError(gettext(
                        'med_consumables_base.msg_catalog_negative_price',
                        product=line.product.rec_name))

    @classmethod
    def get_price(cls, product, distributor=None, date=None):
        "The valid contract line of product (and distributor) on date."
        domain = [('product', '=', product.id), ('valid', '=', True)]
        if distributor:
            domain.append(('distributor', '=', distributor.id))
        context = {'date': date} if date else {}
        with Transaction().set_context(**context):
            lines = cls.search(domain, limit=1)
        return lines[0] if lines else None
