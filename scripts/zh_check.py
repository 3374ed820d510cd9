#!/usr/bin/env python3
"""Everything a user of the product reads, in zh_CN, and what is still English.

Walks what the users of the product reach, as Tryton serves it to them in
zh_CN: for each role (the groups of ``med_consumables_base``) and each demo
user (with the Tryton groups a hospital gives that job) the menus it sees, their actions and tabs, the views those actions open (labels, pages,
buttons, the lists inside forms), every field of those views (label, help,
selection values), wizards' steps and buttons; plus every ``ir.message`` of
the product's modules and of the Tryton modules whose errors our users meet
(stock, purchase, product, party, company, currency, ir, res).

A string is English when it has a word of Latin letters that is not an
accepted code (UDI, GS1, …) and no Chinese character: the translation is
missing.  ``tests/test_zh_cn.py`` fails on any; run this to see them::

    .venv/bin/python scripts/zh_check.py
    .venv/bin/python scripts/zh_check.py --admin   # + Tryton's 管理 screens

``--admin`` adds the screens only the superuser reaches (Tryton's own
administration, 管理); ``tests/test_zh_cn.py`` checks them too.
"""
import re
import sys
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
MODULE = 'med_purchase'  # activates the three modules of the product

# Modules whose messages our users meet in their flows
MESSAGE_MODULES = {
    'ir', 'res', 'product', 'party', 'company', 'currency', 'stock',
    'stock_lot', 'stock_lot_sled', 'purchase', 'purchase_request',
    'account_invoice', 'account_invoice_stock', 'stock_consignment',
    }
CJK = re.compile(r'[\u4e00-\u9fff]')
WORD = re.compile(r'[A-Za-z]{3,}')
PLACEHOLDER = re.compile(r'%\(\w+\)[sdrf]|%[sdrf]|\{[^}]*\}')
# Codes and names that are the same in Chinese
ALLOWED = {
    'UDI', 'GS1', 'GTIN', 'HIS', 'SMS', 'CSV', 'URL', 'XML', 'PDF', 'JSON',
    'RPC', 'API', 'SPD', 'ICU', 'Tryton', 'ISO', 'UTC', 'HIBC', 'SSCC',
    'QR', 'DI', 'PI', 'SKU', 'VAT', 'IBAN', 'BIC', 'SMTP', 'HTTP', 'HTTPS',
    'Skype', 'Jabber', 'English',
    }
ATTRIBUTES = ('string', 'sum', 'help', 'confirm')
TIMEZONE_FIELDS = {'timezone', 'tz'}


def english(text):
    "True when text is a missing translation"
    if not text or not isinstance(text, str):
        return False
    text = PLACEHOLDER.sub(' ', text)
    if CJK.search(text):
        return False
    # all-capital words are codes (PTCA, ZXK)
    return any(w not in ALLOWED and not w.isupper()
        for w in WORD.findall(text))


def roles():
    """{name: [group xml ids]}: each role of the product alone, and each
    demo user with the groups a hospital gives that job (the Tryton groups
    too: the finance clerk works in 财务 as well)"""
    sys.path.insert(0, str(ROOT / 'scripts'))
    from access_matrix import ROLES
    from demo_data import USERS
    result = {role: [f'med_consumables_base.{xml_id}']
        for role, (xml_id, _) in ROLES.items()}
    for login, _, _, groups, _ in USERS:
        result[f'demo {login}'] = list(groups)
    return result


def collect(include_admin=False):
    """[(kind, where, text)] of English strings reachable by the product's
    users, in the database of the current transaction (zh_CN loaded);
    include_admin adds what only the superuser reaches."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    from trytond.wizard import StateView
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    Menu = pool.get('ir.ui.menu')
    User = pool.get('res.user')
    Message = pool.get('ir.message')
    Action = pool.get('ir.action')
    ActWindow = pool.get('ir.action.act_window')
    View = pool.get('ir.ui.view')
    Translation = pool.get('ir.translation')
    found = {}

    def check(kind, where, text):
        if english(text):
            found.setdefault((kind, where, text), None)

    menus = set()
    for i, (role, xml_ids) in enumerate(roles().items()):
        groups = [ModelData.get_id(*x.split('.')) for x in xml_ids]
        user, = User.create([{
                    'login': f'zh_check_{i}', 'name': role,
                    'groups': [('add', groups)],
                    }])
        with Transaction().set_user(user.id), Transaction().set_context(
                _check_access=True):
            User._get_groups_cache.clear()
            menus.update(m.id for m in Menu.search([]))
    if include_admin:
        # Tryton's own administration (管理), which only the superuser sees
        with Transaction().set_user(1), Transaction().set_context(
                _check_access=True):
            User._get_groups_cache.clear()
            menus.update(m.id for m in Menu.search([]))
    views, wizards = set(), set()
    with Transaction().set_context(language='zh_CN'):
        for menu in Menu.browse(sorted(menus)):
            check('menu', menu.complete_name, menu.name)
            if not menu.action:
                continue
            action = menu.action
            check('action', menu.complete_name, action.name)
            if action.type == 'ir.action.act_window':
                window = ActWindow(Action.get_action_id(action.id))
                for tab in window.act_window_domains:
                    check('tab', menu.complete_name, tab.name)
                model = window.res_model
                if window.context_model:
                    # the filters shown above the list
                    views.add((window.context_model, None, 'form'))
                ids = [v.view.id for v in window.act_window_views]
                if ids:
                    views.update((model, i, None) for i in ids)
                else:
                    views.update(
                        [(model, None, 'tree'), (model, None, 'form')])
            elif action.type == 'ir.action.wizard':
                wizards.add(pool.get('ir.action.wizard')(
                        Action.get_action_id(action.id)).wiz_name)
        # Wizards of the views' buttons and the menus
        wizard_names = {
            w.wiz_name for w in pool.get('ir.action.wizard').search([])
            if w.wiz_name.startswith('med.')} | {w for w in wizards if w}
        for name in sorted(wizard_names):
            Wizard = pool.get(name, type='wizard')
            for state_name, state in Wizard.states.items():
                if not isinstance(state, StateView):
                    continue
                view_id = ModelData.get_id(*state.view.split('.')) if (
                    state.view and '.' in state.view) else None
                views.add((state.model_name, view_id, 'form'))
                for button in state.buttons:
                    check('wizard button', f'{name}/{state_name}',
                        Translation.get_source(
                            f'{name},{state_name},{button.state}',
                            'wizard_button', 'zh_CN', button.string)
                        or button.string)
        seen = set()
        todo = sorted(views, key=str)
        while todo:
            model, view_id, view_type = todo.pop()
            if (model, view_id, view_type) in seen:
                continue
            seen.add((model, view_id, view_type))
            Model = pool.get(model)
            result = Model.fields_view_get(view_id=view_id,
                view_type=view_type or View(view_id).type)
            where = f'{model} {result["type"]} view'
            arch = etree.fromstring(result['arch'])
            for element in arch.iter():
                for attribute in ATTRIBUTES:
                    check('view', where, element.get(attribute))
            for fname, field in result['fields'].items():
                fwhere = f'{model}.{fname}'
                check('field', fwhere, field.get('string'))
                check('help', fwhere, field.get('help'))
                selection = field.get('selection')
                # time zones are IANA names (Asia/Shanghai): codes, the
                # same in every language; a selection Tryton declares not
                # translatable (translate=False: the report file formats)
                # has no translation to complete
                if (isinstance(selection, (list, tuple))
                        and fname not in TIMEZONE_FIELDS
                        and getattr(Model._fields.get(fname),
                            'translate_selection', True)):
                    for _, label in selection:
                        check('selection', fwhere, label)
                relation = field.get('relation')
                if relation and field['type'] in {'one2many', 'many2many'}:
                    # the list shown inside the form
                    todo.append((relation, None, 'tree'))
        for message in Message.search([]):
            data = ModelData.search([
                    ('model', '=', 'ir.message'),
                    ('db_id', '=', message.id)], limit=1)
            if not data:
                continue
            module = data[0].module
            if module.startswith('med_') or module in MESSAGE_MODULES:
                check('message', f'{module}.{data[0].fs_id}', message.text)
    return sorted(found)


def load_zh_cn():
    from trytond.pool import Pool
    Lang = Pool().get('ir.lang')
    lang, = Lang.search([('code', '=', 'zh_CN')])
    Lang.load_translations([lang])


def main():
    import argparse
    import os
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--admin', action='store_true',
        help="also the screens only the superuser (admin) reaches")
    args = parser.parse_args()
    import tempfile
    os.environ.setdefault('TRYTOND_DATABASE__URI', 'sqlite://')
    os.environ.setdefault('DB_NAME', ':memory:')
    os.environ.setdefault('DB_CACHE', tempfile.mkdtemp())
    from trytond.tests.test_tryton import DB_NAME, activate_module
    from trytond.transaction import Transaction
    activate_module(MODULE)
    with Transaction().start(DB_NAME, 0) as transaction:
        load_zh_cn()
        found = collect(include_admin=args.admin)
        transaction.rollback()
    for kind, where, text in found:
        print(f'{kind:14} {where:60} {text}')
    print(f'{len(found)} English strings', file=sys.stderr)
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
