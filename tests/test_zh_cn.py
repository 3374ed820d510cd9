"""Everything the product's users read is Chinese (issue 8 §4).

``scripts/zh_check.py`` walks, in zh_CN, the menus every role sees, their
actions, tabs, views, fields, selections, wizard steps and buttons, and the
messages of our modules and of the Tryton modules our users meet; any string
left in English fails here.  Complete it in the module's ``locale/zh_CN.po``
or, for a Tryton module, in ``locale/override/zh_CN.po``.

The override files themselves are checked too: an entry Tryton cannot apply
crashes the module activation or silently does nothing.
"""
import importlib.util
import subprocess
import sys
from pathlib import Path

from trytond.tests.test_tryton import DB_NAME, activate_module
from trytond.transaction import Transaction

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location(
    'zh_check', ROOT / 'scripts' / 'zh_check.py')
zh_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(zh_check)

OVERRIDES = [
    ('med_consumables_base', []),
    ('med_purchase',
        ['purchase', 'purchase_request', 'account_invoice', 'account']),
    ]


def test_english_detection():
    "The check itself: a missing translation is seen, codes are not"
    assert zh_check.english('Invoice Progress')
    assert zh_check.english('To invoice purchase "%(purchase)s" you must')
    assert not zh_check.english('开票进度')
    assert not zh_check.english('UDI')
    assert not zh_check.english('PTCA-2026')
    assert not zh_check.english('%(quantity)s')
    assert not zh_check.english('')


def test_nothing_english():
    activate_module(zh_check.MODULE)
    with Transaction().start(DB_NAME, 0) as transaction:
        zh_check.load_zh_cn()
        # the superuser's screens (Tryton's 管理) as well: the hospital's
        # administrator reads them
        found = zh_check.collect(include_admin=True)
        transaction.rollback()
    assert not found, (
        f"{len(found)} strings users read in English (complete the po or "
        "locale/override/zh_CN.po):\n"
        + '\n'.join(f'{k} {w}: {t}' for k, w, t in found))


def test_override_files():
    for module, upstream in OVERRIDES:
        command = [sys.executable, str(ROOT / 'scripts' / 'po_override_check.py'),
            '-o', str(ROOT / 'addons' / module / 'locale' / 'override'
                / 'zh_CN.po')]
        for name in upstream:
            command += ['-m', name]
        result = subprocess.run(command, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
