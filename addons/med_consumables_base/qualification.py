# 资质 and 机构资质效期查询: licences of suppliers and registrations of products.
import datetime as dt

from sql import Literal, Null, Union
from sql.conditionals import Case

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .exceptions import QualificationError

EXPIRING_DAYS = 30
KINDS = [
    ('business_license', "Business License"),
    ('operation_license', "Medical Device Operation License"),
    ('operation_record', "Class II Operation Record"),
    ('production_license', "Medical Device Production License"),
    ('registration', "Medical Device Registration Certificate"),
    ('authorization', "Authorization Letter"),
    ('other', "Other"),
    ]
STATES = [
    ('valid', "Valid"),
    ('expiring', "Expiring"),
    ('expired', "Expired"),
    ]


def reference_date():
    "The day expiry is judged against; tests and reports may set 'date'."
    context = Transaction().context
    if context.get('date'):
        return context['date']
    return Pool().get('ir.date').today()


def expiry_state(expires_on, today=None, days=EXPIRING_DAYS):
    if not expires_on:
        return 'valid'
    today = today or reference_date()
    if expires_on < today:
        return 'expired'
    if expires_on <= today + dt.timedelta(days=days):
        return 'expiring'
    return 'valid'


def expiry_state_domain(field, operator, value, today=None):
    "Translate a search on the computed state into a date domain."
    today = today or reference_date()
    limit = today + dt.timedelta(days=EXPIRING_DAYS)
    domains = {
        'expired': [(field, '<', today)],
        'expiring': [(field, '>=', today), (field, '<=', limit)],
        'valid': ['OR', (field, '=', None), (field, '>', limit)],
        }
    if operator in {'=', '!='}:
        values = [value]
    elif operator in {'in', 'not in'}:
        values = list(value or [])
    else:
        return []
    domain = ['OR'] + [domains[v] for v in values if v in domains]
    if len(domain) == 1:
        domain = [('id', '=', -1)]
    if operator.startswith('!') or operator.startswith('not'):
        domain = ['NOT', domain]
    return domain


def _expiry_visual():
    return If(Eval('state') == 'expired', 'danger',
        If(Eval('state') == 'expiring', 'warning', ''))


class Qualification(ModelSQL, ModelView):
    __string__ = "Qualification"
    __name__ = 'med.qualification'
    _rec_name = 'number'
    party = fields.Many2One(
        'party.party', "Organisation", ondelete='CASCADE',
        states={
            'required': ~Eval('product'),
            'invisible': Eval('product') & ~Eval('party'),
            })
    product = fields.Many2One(
        'product.template', "Product", ondelete='CASCADE',
        states={
            'required': ~Eval('party'),
            'invisible': Eval('party') & ~Eval('product'),
            })
    kind = fields.Selection(KINDS, "Kind", required=True, sort=False)
    number = fields.Char("Number", required=True, strip=True)
    issuer = fields.Char("Issued By")
    issued_on = fields.Date("Issued On")
    expires_on = fields.Date(
        "Expires On", help="Leave empty for a licence without end date.")
    state = fields.Function(fields.Selection(STATES, "State"),
        'get_state', searcher='search_state')
    days_left = fields.Function(fields.Integer("Days Left"), 'get_days_left')
    note = fields.Text("Note")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('expires_on', 'ASC NULLS LAST'), ('id', 'DESC')]

    @classmethod
    def view_attributes(cls):
        # Tree attributes are PySON only when set by the server: raw PySON
        # text in the view XML is not parsed by sao (empty list).
        return super().view_attributes() + [
            ('/tree', 'visual', _expiry_visual()),
            ]

    @classmethod
    def default_kind(cls):
        return 'business_license'

    def get_state(self, name):
        return expiry_state(self.expires_on)

    @classmethod
    def search_state(cls, name, clause):
        _, operator, value = clause[:3]
        return expiry_state_domain('expires_on', operator, value)

    def get_days_left(self, name):
        if self.expires_on:
            return (self.expires_on - reference_date()).days

    @classmethod
    def first_expired(cls, party, templates, date):
        """The first expired document among a supplier's licences and the
        products' qualifications and registrations on date, as
        (holder, number, expires_on), or None.

        Receipts and purchase confirmations are refused on it (DESIGN §6).
        A licence renewed by a newer record of the same kind is not
        blocking."""
        holders = []
        if party:
            holders.append((party, party.qualifications))
        holders.extend((t, t.qualifications) for t in templates)
        for holder, qualifications in holders:
            by_kind = {}
            for qualification in qualifications:
                by_kind.setdefault(qualification.kind, []).append(
                    qualification)
            for quals in by_kind.values():
                if all(q.expires_on and q.expires_on < date for q in quals):
                    latest = max(quals, key=lambda q: q.expires_on)
                    return holder, latest.number, latest.expires_on
        for template in templates:
            if (template.registration_expiry
                    and template.registration_expiry < date):
                return (template, template.registration_number or '',
                    template.registration_expiry)

    @classmethod
    def check_expired(cls, party, templates, date, error, message, **values):
        """Raise error with message (holder, number and date filled in) when
        a document of first_expired has expired on date."""
        expired = cls.first_expired(party, templates, date)
        if expired:
            holder, number, expires_on = expired
            raise error(gettext(message, holder=holder.rec_name,
                    number=number, date=expires_on, **values))

    def get_rec_name(self, name):
        holder = self.party or self.product
        holder = holder.rec_name if holder else ''
        return f'{holder} {self.number}'

    @classmethod
    def validate_fields(cls, qualifications, field_names):
        super().validate_fields(qualifications, field_names)
        for qualification in qualifications:
            if not (qualification.party or qualification.product):
                raise QualificationError(gettext(
                        'med_consumables_base.msg_qualification_holder',
                        number=qualification.number))
            if (qualification.issued_on and qualification.expires_on
                    and qualification.issued_on > qualification.expires_on):
                raise QualificationError(gettext(
                        'med_consumables_base.msg_qualification_dates',
                        number=qualification.number,
                        issued_on=qualification.issued_on,
                        expires_on=qualification.expires_on))


class QualificationExpiryContext(ModelView):
    __string__ = "Qualification Expiry Filters"
    __name__ = 'med.qualification.expiry.context'
    horizon = fields.Selection([
            ('expired', "Expired"),
            ('30', "Within 30 days"),
            ('60', "Within 60 days"),
            ('90', "Within 90 days"),
            ('all', "All"),
            ], "Horizon", sort=False)
    date = fields.Date("Reference Date")

    @classmethod
    def default_horizon(cls):
        return '30'

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()


class QualificationExpiry(ModelSQL, ModelView):
    "Licences of organisations and product registrations by expiry"
    __string__ = "Qualification Expiry"
    __name__ = 'med.qualification.expiry'
    party = fields.Many2One('party.party', "Organisation")
    product = fields.Many2One('product.template', "Product")
    kind = fields.Selection(
        KINDS + [('product_registration', "Product Registration")],
        "Kind", sort=False)
    number = fields.Char("Number")
    expires_on = fields.Date("Expires On")
    state = fields.Selection(STATES, "State")
    days_left = fields.Function(fields.Integer("Days Left"), 'get_days_left')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('expires_on', 'ASC'), ('id', 'ASC')]

    @classmethod
    def view_attributes(cls):
        # Tree attributes are PySON only when set by the server: raw PySON
        # text in the view XML is not parsed by sao (empty list).
        return super().view_attributes() + [
            ('/tree', 'visual', _expiry_visual()),
            ]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Qualification = pool.get('med.qualification')
        Template = pool.get('product.template')
        qualification = Qualification.__table__()
        template = Template.__table__()
        context = Transaction().context
        today = context.get('date') or pool.get('ir.date').today()
        horizon = context.get('horizon') or '30'
        soon = today + dt.timedelta(days=EXPIRING_DAYS)

        def state(column):
            return Case(
                (column < today, 'expired'),
                (column <= soon, 'expiring'),
                else_='valid')

        def window(column):
            if horizon == 'expired':
                return column < today
            elif horizon == 'all':
                return column != Null
            return column <= today + dt.timedelta(days=int(horizon))

        # Even ids are qualifications, odd ids product registrations, so
        # that both can be opened from the same list.
        licences = qualification.select(
            (qualification.id * 2).as_('id'),
            qualification.party.as_('party'),
            qualification.product.as_('product'),
            qualification.kind.as_('kind'),
            qualification.number.as_('number'),
            qualification.expires_on.as_('expires_on'),
            state(qualification.expires_on).as_('state'),
            where=(qualification.expires_on != Null)
            & window(qualification.expires_on))
        registrations = template.select(
            (template.id * 2 + 1).as_('id'),
            Literal(None).as_('party'),
            template.id.as_('product'),
            Literal('product_registration').as_('kind'),
            template.registration_number.as_('number'),
            template.registration_expiry.as_('expires_on'),
            state(template.registration_expiry).as_('state'),
            where=(template.registration_expiry != Null)
            & (template.active == Literal(True))
            & window(template.registration_expiry))
        return Union(licences, registrations, all_=True)

    def get_days_left(self, name):
        if self.expires_on:
            return (self.expires_on - reference_date()).days
