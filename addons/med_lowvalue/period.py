# 库存月结: monthly stock periods that close with lots, and the closed
# month made read-only for every document that moves stock.
import datetime as dt

from sql.aggregate import Max

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import PeriodError


def last_day_of_previous_month(date):
    return date.replace(day=1) - dt.timedelta(days=1)


def first_day_of_next_month(date):
    return (date.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


class Period(metaclass=PoolMeta):
    __name__ = 'stock.period'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def last_closed_date(cls, company):
        "The date of the latest closed period of the company, or None"
        period = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*period.select(
                Max(period.date),
                where=(period.state == 'closed')
                & (period.company == int(company))))
        date, = cursor.fetchone()
        if isinstance(date, str):  # SQLite does not convert aggregates
            date = dt.date.fromisoformat(date)
        return date

    @classmethod
    def check_open(cls, records, get_date, get_company=None, get_name=None):
        """Refuse records dated in a closed stock month.

        The gate every document family can call from check_modification:
        get_date(record) places the record in a month, get_company(record)
        gives its company (record.company by default) and get_name(record)
        names it in the error (record.rec_name by default).
        Raises PeriodError.
        """
        if get_company is None:
            def get_company(record):
                return record.company
        if get_name is None:
            def get_name(record):
                return record.rec_name
        closed = {}
        for record in records:
            date = get_date(record)
            company = get_company(record)
            if not date or not company:
                continue
            company = int(company)
            if company not in closed:
                closed[company] = cls.last_closed_date(company)
            if closed[company] and date <= closed[company]:
                with without_check_access():
                    name = get_name(record)
                raise PeriodError(gettext(
                        'med_lowvalue.msg_period_closed_document',
                        document=name,
                        date=date,
                        period=closed[company]))

    @classmethod
    def close_previous_month(cls, date=None, companies=None):
        """Create and close the period that ends on the last day of the
        month before date (today by default) for each company.

        Returns the periods closed.
        """
        pool = Pool()
        Company = pool.get('company.company')
        Date = pool.get('ir.date')
        if companies is None:
            companies = Company.search([])
        to_close = []
        for company in companies:
            with Transaction().set_context(company=company.id):
                end = last_day_of_previous_month(date or Date.today())
            periods = cls.search([
                    ('company', '=', company.id),
                    ('date', '=', end),
                    ])
            if not periods:
                periods = cls.create([{
                            'company': company.id,
                            'date': end,
                            }])
            to_close.extend(p for p in periods if p.state != 'closed')
        if to_close:
            cls.close(to_close)
        return to_close

    @classmethod
    def close_previous_month_cron(cls):
        "Cron: close last month (inactive unless a hospital wants it)"
        cls.close_previous_month()


class PeriodCloseMonth(Wizard):
    "Close the stock month"
    __name__ = 'med.stock.period.close_month'
    start = StateView(
        'med.stock.period.close_month.start',
        'med_lowvalue.period_close_month_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Close", 'close', 'tryton-ok', default=True),
            ])
    close = StateTransition()

    def transition_close(self):
        Period = Pool().get('stock.period')
        # Months close whole: any day of the month closes the month.
        Period.close_previous_month(
            date=first_day_of_next_month(self.start.date),
            companies=[self.start.company])
        return 'end'


class PeriodCloseMonthStart(ModelView):
    "Close the stock month"
    __string__ = "Close the Stock Month"
    __name__ = 'med.stock.period.close_month.start'
    company = fields.Many2One('company.company', "Company", required=True)
    date = fields.Date(
        "Month End", required=True,
        help="The last day of the month to close: documents dated on or "
        "before it can no longer change.")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_date(cls):
        return last_day_of_previous_month(Pool().get('ir.date').today())

    @fields.depends('date')
    def on_change_date(self):
        # Months close whole: any day of the month means its last day.
        if self.date:
            self.date = last_day_of_previous_month(
                first_day_of_next_month(self.date))


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('stock.period|close_previous_month_cron',
                "Close Last Stock Month"))
