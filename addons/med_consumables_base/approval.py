# Helpers shared by the documents that are approved (requisitions, purchase
# orders, ...): who clicked an approval button, and when a step happened.
import datetime as dt
import functools
from collections import defaultdict

from trytond.modules.company.model import set_employee
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access


def set_timestamp(field):
    "Record when a transition happened (the *_by employee is set_employee's)."
    def decorator(func):
        @functools.wraps(func)
        def wrapper(cls, records, *args, **kwargs):
            result = func(cls, records, *args, **kwargs)
            cls.write(list(records), {field: dt.datetime.now()})
            return result
        return wrapper
    return decorator


def stamp(step):
    """The audit convention: a transition records who did the step (the
    user's current employee in <step>_by) and when (<step>_at)."""
    def decorator(func):
        return set_employee(f'{step}_by')(set_timestamp(f'{step}_at')(func))
    return decorator


def current_employee():
    "The employee the user works as (None for a user without one)"
    User = Pool().get('res.user')
    employee = User(Transaction().user).employee
    return employee.id if employee else None


def button_clickers(model, button, records):
    """The names of the users who clicked button on each record, in order:
    with an ir.model.button.rule asking for two people, the first approval
    is only a click until a second user adds theirs."""
    Click = Pool().get('ir.model.button.click')
    result = {r.id: None for r in records}
    with without_check_access():
        clicks = Click.search([
                ('button.model', '=', model),
                ('button.name', '=', button),
                ('record_id', 'in', [r.id for r in records]),
                ], order=[('create_date', 'ASC'), ('id', 'ASC')])
        names = defaultdict(list)
        for click in clicks:
            if click.user and click.user.name not in names[click.record_id]:
                names[click.record_id].append(click.user.name)
    for record_id, users in names.items():
        result[record_id] = ', '.join(users)
    return result
