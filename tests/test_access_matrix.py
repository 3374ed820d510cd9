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
