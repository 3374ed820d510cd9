# Small helpers every module of the product uses, so that there is one of
# each: the date of the transaction and a quantity as users read it.
from trytond.pool import Pool
from trytond.transaction import Transaction


def today():
    """The date of the transaction: the context's date (a scenario, a
    report for another day) or the company's today (ir.date)."""
    context = Transaction().context
    return context.get('date') or Pool().get('ir.date').today()


def format_quantity(quantity, unit, lang=None):
    """A quantity with its unit in the user's language, e.g. 50 支: what
    every message naming a quantity shows."""
    if lang is None:
        lang = Pool().get('ir.lang').get()
    return lang.format_number_symbol(
        unit.round(quantity), unit, digits=unit.digits)
