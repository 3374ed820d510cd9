"""Every list view of the product can be drawn by sao.

sao builds a list column from the field's widget (by default its type) and
knows only the widgets below (Sao.View.TreeXMLViewParser.WIDGETS, sao 8.0):
a datetime or timestamp field shown as itself breaks the whole screen with
"ColumnFactory is not a constructor" and a request that never ends (the
lot form's recall history, the SMS list inside the order form).  Datetimes
are shown as a date column and a time column (widget="date" / "time"), as
in Tryton's own lists.
"""
from lxml import etree

from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, activate_module
from trytond.transaction import Transaction

MODULE = 'med_purchase'
SAO_TREE_WIDGETS = {
    'binary', 'boolean', 'callto', 'char', 'date', 'dict', 'email', 'float',
    'image', 'integer', 'many2many', 'many2one', 'numeric', 'one2many',
    'one2one', 'progressbar', 'reference', 'selection', 'multiselection',
    'sip', 'text', 'time', 'timedelta', 'url',
    }


def test_list_widgets():
    activate_module(MODULE)
    with Transaction().start(DB_NAME, 0) as transaction:
        pool = Pool()
        View = pool.get('ir.ui.view')
        bad = []
        for view in View.search([
                    ('type', '=', 'tree'),
                    ('module', 'like', 'med_%'),
                    ]):
            Model = pool.get(view.model)
            result = Model.fields_view_get(view_id=view.id, view_type='tree')
            fields = result['fields']
            for element in etree.fromstring(result['arch']).iter('field'):
                name = element.get('name')
                widget = element.get('widget') or fields[name]['type']
                if widget not in SAO_TREE_WIDGETS:
                    bad.append((view.module, view.name or view.id, name,
                            widget))
        transaction.rollback()
    assert not bad, bad
