"Scenario helpers for purchasing: the accounting a purchase line needs."
from proteus import Model
from trytond.modules.account.tests.tools import create_chart, get_accounts


def create_consumables_category(name='医用耗材', config=None):
    """The chart of accounts and an accounting product category: without an
    expense account Tryton cannot price a purchase line."""
    create_chart(config=config)
    accounts = get_accounts(config=config)
    Category = Model.get('product.category', config=config)
    category = Category(name=name, accounting=True,
        account_expense=accounts['expense'],
        account_revenue=accounts['revenue'])
    category.save()
    return category
