"""The live access matrix equals the one kept in the repository.

Any change of rights (an ir.model.access record, a button's groups, a new
model with rules) must be deliberate: regenerate with
``.venv/bin/python scripts/access_matrix.py`` and review the diff of
docs/access.md.
"""
import importlib.util
import json
from pathlib import Path

from trytond.tests.test_tryton import DB_NAME, activate_module
from trytond.transaction import Transaction

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location(
    'access_matrix', ROOT / 'scripts' / 'access_matrix.py')
access_matrix = importlib.util.module_from_spec(spec)
spec.loader.exec_module(access_matrix)


def test_access_matrix():
    activate_module(access_matrix.MODULE)
    with Transaction().start(DB_NAME, 0) as transaction:
        live = access_matrix.compute()
        transaction.rollback()
    expected = json.loads(access_matrix.EXPECTED.read_text())
    differences = access_matrix.diff(expected, live)
    assert not differences, (
        "the rights differ from tests/access_expected.json (regenerate with "
        "`.venv/bin/python scripts/access_matrix.py` if deliberate):\n"
        + '\n'.join(differences))


def test_keeper_cannot_delete_department_catalogue():
    "二级库房请领目录 is the consumables administrator's: keepers read it"
    expected = json.loads(access_matrix.EXPECTED.read_text())
    row = expected['models']['med.department.catalog']
    assert 'D' not in row['warehouse'] and 'W' not in row['warehouse']
    assert 'D' in row['admin']


def test_every_menu_opens_for_who_sees_it():
    """A menu a role sees has an action the role may run: otherwise sao
    answers the click with "没有定义任何操作" (请领单整合 showed to the
    consumables administrator, whose groups its wizard did not have)."""
    from trytond.pool import Pool
    activate_module(access_matrix.MODULE)
    with Transaction().start(DB_NAME, 0) as transaction:
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Menu = pool.get('ir.ui.menu')
        User = pool.get('res.user')
        Keyword = pool.get('ir.action.keyword')
        dead = []
        for role, (xml_id, _) in access_matrix.ROLES.items():
            group = ModelData.get_id('med_consumables_base', xml_id)
            user, = User.create([{
                        'login': f'menu_{role}', 'name': role,
                        'groups': [('add', [group])],
                        }])
            with Transaction().set_user(user.id), \
                    Transaction().set_context(_check_access=True):
                User._get_groups_cache.clear()
                for menu in Menu.search([]):
                    if menu.childs or not menu.action:
                        continue
                    if not Keyword.get_keyword(
                            'tree_open', ('ir.ui.menu', menu.id)):
                        dead.append((role, menu.complete_name))
        transaction.rollback()
    assert not dead, dead
