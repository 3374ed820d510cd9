"""Every role opens every screen it sees in sao (issue 8 §0 and §4).

For each demo login the menus are read over JSON-RPC as that user (so the
menus of modules added later are covered without touching this test); each
leaf menu with an action is opened in sao the way a click does
(``tree_open`` of the menu): the list, the first record's form and each of
its notebook pages, a new record's form when the toolbar offers 新建, a
wizard's first step (then closed).  A screen fails on:

* an error in sao's console (SEVERE in the browser log), e.g.
  ``ColumnFactory is not a constructor``;
* a list whose counter says it has records but that shows no row;
* sao still busy (a pending request, 正在处理) after TIMEOUT seconds (the
  pending RPC methods are named);
* an error dialog;
* English words in the visible text (labels, buttons, headers must be
  Chinese; codes and data values are allowed, see ALLOWED) — for admin only
  on the product's menus (医用耗材): Tryton's own administration (管理)
  shows data in English (module names and descriptions, report formats);
  its labels are checked by ``tests/test_zh_cn.py``.

The superuser's Tryton menus (管理, 财务 settings …: about 120 screens no
hospital role reaches) are left out with MED_SCREEN_ADMIN_UPSTREAM=0 (to
look at the hospital's roles only); ``make browser-test`` and CI open every
menu of every role.  pytest -s prints each role's time and its slowest
screens.

One browser per role; the demo database is not rebuilt.  An action of the
product's menus (医用耗材) is checked in full (form, pages, new record) by
the first role that reaches it — roles are taken in the order of the
hospital's work, so that is the role whose job the screen is; the roles
after it open its list (their records, their rules, their English) but not
every page again.  Tryton's own menus (库存, 财务, 管理 …) are opened as a
list and their first record's form: they are Tryton's, tested upstream;
what we check is that they open, in Chinese, for our users.  A screen
that hangs or raises a browser alert is recorded and the browser is logged
in again, so that one broken screen does not hide the others.
"""
import os
import re
import time

import pytest
from selenium.common.exceptions import UnexpectedAlertPresentException

import sao

_reason = sao.skip_reason()
if _reason:
    pytest.skip(f"browser tests skipped: {_reason}", allow_module_level=True)

ALL_ROLES = ['ward', 'ward_head', 'ortho', 'keeper', 'keeper_head', 'buyer',
    'buyer_head', 'finance', 'consumables', 'admin']
# MED_SCREEN_ROLES: a comma-separated subset (make browser-test: the
# department roles) or "all" (make browser-screens, the default)
_roles = os.environ.get('MED_SCREEN_ROLES', 'all')
ROLES = ALL_ROLES if _roles == 'all' else [
    r for r in ALL_ROLES if r in _roles.split(',')]
# MED_SCREEN_ADMIN_UPSTREAM=0: the superuser's Tryton menus (管理 …, which
# no hospital role reaches) are left out
ADMIN_UPSTREAM = os.environ.get('MED_SCREEN_ADMIN_UPSTREAM', '1') != '0'
# MED_SCREEN_MENUS: only the menus whose path contains one of these
# comma-separated texts (to look at one screen again)
MENU_FILTER = [m for m in os.environ.get('MED_SCREEN_MENUS', '').split(',')
    if m]
# A screen that hangs never ends; a slow one (a 2-core machine running
# other work) may take long: only a request pending this long is a hang
TIMEOUT = 60
# sao draws a list's rows after its records are read: a list whose counter
# says it has records is given this long to show them
ROWS_TIMEOUT = 10
# sao's chained requests follow one another within a few ms; the fragment
# watch of sao.ajax_idle covers the stray-tab case, so a short settle will do
SETTLE = 0.1
PRODUCT_MENU = '医用耗材'
# actions already checked in full by an earlier role (this session)
CHECKED = set()
# Tryton actions whose form an earlier role opened
upstream_seen = set()
WORD = re.compile(r'(?<![A-Za-z0-9_.@/-])[A-Za-z]{3,}(?![A-Za-z0-9_.@/-])')
# Words that are data, not interface: units, standards, brands, codes.
ALLOWED = {
    'CSV', 'GS1', 'UDI', 'HIS', 'SMS', 'URL', 'XML', 'PDF', 'JSON', 'RPC',
    'CNY', 'RMB', 'ISO', 'GTIN', 'SSCC', 'SPD', 'ICU', 'CT', 'MRI', 'PVC',
    'BD', 'Tryton', 'Demo', 'demo', 'admin', 'ward', 'ortho', 'keeper',
    'buyer', 'finance', 'consumables', 'head', 'ops', 'his', 'hospital',
    'example', 'com', 'www', 'http', 'https', 'Fr', 'Ch', 'mm', 'cm', 'ml',
    'Luer', 'Lock',
    # names of foreign identifiers and messengers (party identifiers,
    # contact types): the same in Chinese
    'Aadhaar', 'Jabber', 'Skype',
    }

_MENU_JS = """
const done = arguments[arguments.length - 1];
Sao.Action.exec_keyword('tree_open', {
    model: 'ir.ui.menu', id: arguments[0], ids: [arguments[0]]});
done(true);
"""

_SCREEN_JS = """
const tab = Sao.Tab.tabs.get_current();
const screen = tab && tab.screen;
if (!screen) { return null; }
const view = screen.current_view;
const pane = document.querySelector('#tabcontent > .tab-pane.active');
const rows = pane ? Array.from(pane.querySelectorAll(
        '.treeview table.tree > tbody > tr'))
    .filter(tr => tr.offsetParent !== null &&
        !tr.classList.contains('more-row') && tr.innerText.trim()) : [];
return {
    view_type: view ? view.view_type : null,
    group: screen.group ? screen.group.length : 0,
    rows: rows.length,
    pages: pane ? Array.from(pane.querySelectorAll(
            '.form .nav-tabs > li > a')).filter(a => a.offsetParent !== null)
        .map(a => a.innerText.trim()) : [],
    can_new: Boolean(pane && Array.from(pane.querySelectorAll(
            'nav.toolbar button#new_')).some(
            b => b.offsetParent !== null && !b.disabled)),
};
"""


def leaf_menus(session):
    menus = session('model.ir.ui.menu.search_read', [], 0, None, None,
        ['complete_name', 'childs', 'action'], {'language': 'zh_CN'})
    return [m for m in menus if not m['childs'] and m['action']
        and (not MENU_FILTER
            or any(f in m['complete_name'] for f in MENU_FILTER))]


def console_errors(driver):
    return [e['message'] for e in driver.get_log('browser')
        if e['level'] == 'SEVERE'
        # a favicon or an aborted bus long polling is no error of a screen
        and 'favicon' not in e['message']
        and 'bus' not in e['message']]


def english(driver):
    text = driver.execute_script('return document.body.innerText;')
    # all-capital words are codes of the data (GZK, PTCA, …)
    return sorted({w for w in WORD.findall(text)
            if w not in ALLOWED and not w.isupper()})


def busy(driver):
    sao.wait_idle(driver, TIMEOUT, SETTLE)
    shown = [e for e in sao.visible(driver.find_elements(
                'xpath', "//*[contains(text(), '正在处理')]"))]
    if shown:
        sao.wait_for(lambda: not sao.visible(driver.find_elements(
                    'xpath', "//*[contains(text(), '正在处理')]")),
            TIMEOUT, message="正在处理 to end")


_CLOSE_JS = """
const done = arguments[arguments.length - 1];
jQuery('.modal.in').modal('hide');
// one tab after the other (sao's own close shows the previous tab first),
// none asking to save: what the checks typed or created is dropped
let chain = jQuery.when();
for (const tab of Sao.Tab.tabs.slice()) {
    tab._close_allowed = () => jQuery.when();
    chain = chain.then(() => tab.close());
}
chain.always(() => done(Sao.Tab.tabs.length));
"""


def close_all(driver):
    """Close dialogs and tabs without saving, back to the empty desktop.

    Tabs left open pile up: every later screen gets slower (each tab
    listens to the same events) — a role's run went from 0.4 to 12 s a
    screen before the tabs were closed one by one."""
    left = driver.execute_async_script(_CLOSE_JS)
    sao.wait_idle(driver, TIMEOUT, SETTLE)
    if left:
        raise sao.SaoError(f'{left} tabs would not close')
    # closing the last tab clears the URL fragment without a 'hashchange'
    # for wait_idle's watcher: the desktop is the fragment now
    driver.execute_script(
        "if (window.__medHash) { window.__medHash.seen = location.hash; }")


TRACE = os.environ.get('MED_SCREEN_TRACE')


def check_screen(driver, problems, where, english_too=True):
    start = time.monotonic()
    try:
        busy(driver)
    except sao.SaoError as e:
        # a hang often follows a JavaScript error: say which
        raise sao.SaoError(f'{e}; console: {console_errors(driver)}')
    errors = console_errors(driver)
    if errors:
        problems.append((where, 'console', errors))
    alert = sao.alert_text(driver)
    if alert:
        problems.append((where, 'dialog', alert))
    words = english(driver) if english_too else []
    if words:
        problems.append((where, 'english', words))
    state = driver.execute_script(_SCREEN_JS)
    if TRACE:
        print(f'  {where}: {time.monotonic() - start:.2f} s {state}')
    return state


def open_screen(driver, menu, problems, full=True, form=True,
        english_too=True):
    name = menu['complete_name']
    driver.execute_async_script(_MENU_JS, menu['id'])
    state = check_screen(driver, problems, name, english_too)
    dialogs = sao.visible(driver.find_elements(
            'css selector', '.modal.in .modal-content'))
    if dialogs or not state:
        return  # a wizard's first step, checked; close_all cancels it
    if state['view_type'] == 'tree':
        if state['group'] and not state['rows']:
            deadline = time.monotonic() + ROWS_TIMEOUT
            while time.monotonic() < deadline and not state['rows']:
                time.sleep(0.2)
                state = driver.execute_script(_SCREEN_JS) or state
        if state['group'] and not state['rows']:
            problems.append((name, 'empty list', state))
        if not (full or form):
            return
        if state['group']:
            driver.execute_script("""
const screen = Sao.Tab.tabs.get_current().screen;
screen.current_record = screen.group[0];
screen.switch_view('form');""")
            state = check_screen(
                driver, problems, f'{name} [form]', english_too)
    if not full:
        return
    if state and state['view_type'] == 'form':
        for page in state['pages']:
            sao.notebook_page(driver, page)
            check_screen(
                driver, problems, f'{name} [{page}]', english_too)
    if state and state['can_new']:
        sao.toolbar_click(driver, 'new_', TIMEOUT)
        state = check_screen(
            driver, problems, f'{name} [new]', english_too)
        for page in (state or {}).get('pages', []):
            sao.notebook_page(driver, page)
            check_screen(
                driver, problems, f'{name} [new/{page}]', english_too)


def relogin(driver, sao_login, login):
    "A fresh page and session after a screen that hung or raised an alert"
    try:
        driver.switch_to.alert.accept()
    except Exception:
        pass
    try:
        # nothing may hold the page (unsaved record prompt) nor bring the
        # old session back (sao keeps it in the browser's storage)
        driver.execute_script(
            "window.onbeforeunload = null; jQuery(window).off('beforeunload');"
            " localStorage.clear(); sessionStorage.clear();")
    except Exception:
        pass
    driver.get('about:blank')
    return sao_login(login)


@pytest.mark.parametrize('login', ROLES)
def test_every_screen(browser, sao_login, rpc_session, login):
    menus = leaf_menus(rpc_session(login))
    driver = sao_login(login)
    problems = []
    check_screen(driver, problems, 'desktop')
    timings = []
    for menu in menus:
        start = time.monotonic()
        name = menu['complete_name']
        ours = name.startswith(PRODUCT_MENU)
        if login == 'admin' and not ours and not ADMIN_UPSTREAM:
            continue
        full = ours and menu['action'] not in CHECKED
        CHECKED.add(menu['action'])
        try:
            open_screen(driver, menu, problems, full,
                form=ours or menu['action'] not in upstream_seen,
                english_too=login != 'admin' or ours)
            opened = time.monotonic()
            close_all(driver)
            if TRACE:
                print(f'  {name}: opened in {opened - start:.2f} s, closed '
                    f'in {time.monotonic() - opened:.2f} s', driver.execute_script(
                        "return [Sao.Tab.tabs.length, document.querySelectorAll("
                        "'#tabcontent > .tab-pane').length, document."
                        "querySelectorAll('.modal').length, document."
                        "getElementsByTagName('*').length];"))
        except sao.SaoError as e:
            problems.append((name, 'sao', str(e)))
            driver = relogin(driver, sao_login, login)
        except UnexpectedAlertPresentException as e:
            problems.append((name, 'alert', e.alert_text))
            driver = relogin(driver, sao_login, login)
        if not ours:
            upstream_seen.add(menu['action'])
        console_errors(driver)  # what closing logged is not the next screen's
        timings.append((time.monotonic() - start, name))
    # the slowest screens, for docs/browser-tests.md (pytest -s shows them)
    print(f'\n{login}: {len(timings)} menus in {sum(t for t, _ in timings):.0f}'
        ' s; slowest: ' + ', '.join(
            f'{n} {t:.1f} s' for t, n in sorted(timings, reverse=True)[:5]))
    assert not problems, '\n'.join(map(repr, problems))
