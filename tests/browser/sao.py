"""Helpers to drive the Tryton web client (sao 8.0) with Selenium.

Shared by the browser tests under tests/browser/.  Element ids and classes
come from sao's source (.sao/package/dist/tryton-sao.js):

- login dialog: ``.login-dialog`` with ``input#database`` (readonly when the
  server lists one database; a ``select#database`` when it lists several),
  ``input#login`` and a submit button; the form submits on Enter.
- password: the server answers ``LoginException('password', ...)`` and sao
  opens an ``.ask-dialog`` with ``input#ask-dialog-entry`` (type=password)
  and an OK button ``.btn-primary`` (the entry is not in a submitting form:
  click OK).
- menu: ``#menu table.tree > tbody > tr``; the label is ``.column-char``
  (text and title), the expander is ``span.expander`` whose ``img`` has
  ``margin-left: <depth-1>em``.  A click on the expander expands/collapses;
  a click on the row opens the menu's action in a new tab.
- tabs: ``#tabcontent > .tab-pane.active``; a list view is
  ``.treeview table.tree`` with ``thead th label`` headers; the search box is
  ``form.filter-box input.form-control`` (hidden under 768 px: class
  ``hidden-xs``).
- user menu: ``#user-preferences > a.dropdown-toggle`` opens a dropdown whose
  last entries are "Preferences..." and "Logout" (注销).
"""
import os
import shutil
import time
from pathlib import Path

try:
    from selenium.common.exceptions import (
        JavascriptException, StaleElementReferenceException,
        WebDriverException)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
except ImportError:  # browser_missing() tells; the tests skip
    class _NoSelenium(Exception):
        pass
    JavascriptException = StaleElementReferenceException = _NoSelenium
    WebDriverException = _NoSelenium
    By = Keys = None

REPO = Path(__file__).resolve().parents[2]
SAO_ROOT = REPO / '.sao' / 'package'
SCREENSHOT_DIR = REPO / 'test-output' / 'screenshots'

DEFAULT_TIMEOUT = 30


# --------------------------------------------------------------------------
# Settings and environment checks
# --------------------------------------------------------------------------

def db_uri():
    return os.environ.get('MED_DB_URI', 'sqlite://')


def db_path():
    return os.environ.get('MED_DB_PATH', str(REPO / 'var' / 'db'))


def db_name():
    return os.environ.get('MED_DB', 'demo')


def chromium_binary():
    if os.environ.get('MED_CHROMIUM'):
        return os.environ['MED_CHROMIUM']
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        path = shutil.which(name)
        if path:
            return path
    return None


def chromedriver_binary():
    return os.environ.get('MED_CHROMEDRIVER') or shutil.which('chromedriver')


def browser_missing():
    "Reason why no browser can be driven, or None"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    if not chromium_binary():
        return "chromium is not installed (apt-get install chromium)"
    if not chromedriver_binary():
        return ("chromedriver is not installed "
            "(apt-get install chromium-driver)")
    return None


def sao_missing():
    "Reason why sao cannot be served, or None"
    if not (SAO_ROOT / 'index.html').is_file():
        return f"sao is not installed in {SAO_ROOT} (run scripts/install_sao.sh)"
    if not (SAO_ROOT / 'node_modules' / 'jquery').is_dir():
        return (f"sao's node_modules are missing in {SAO_ROOT} "
            "(run scripts/install_sao.sh)")
    return None


def database_missing():
    "Reason why the test database is absent, or None"
    uri, name = db_uri(), db_name()
    if uri.startswith('sqlite'):
        path = Path(db_path()) / f'{name}.sqlite'
        if not path.is_file():
            return f"database {name!r} not found: no {path}"
        return None
    if uri.startswith('postgresql'):
        try:
            import psycopg
        except ImportError:
            return None  # let the server tell
        from urllib.parse import urlsplit, urlunsplit
        parts = urlsplit(uri)
        dsn = urlunsplit(parts._replace(path='/' + name))
        try:
            psycopg.connect(dsn, connect_timeout=5).close()
        except Exception as exception:
            return f"database {name!r} not reachable: {exception}"
    return None


def skip_reason():
    "First reason why the browser tests cannot run, or None"
    return browser_missing() or sao_missing() or database_missing()


# --------------------------------------------------------------------------
# Waiting
# --------------------------------------------------------------------------

class SaoError(AssertionError):
    pass


def wait_for(predicate, timeout=DEFAULT_TIMEOUT, interval=0.1, message=None):
    """Call predicate until it returns a true value and return that value.

    Exceptions from stale elements or JavaScript are retried.
    """
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except (StaleElementReferenceException, JavascriptException) as e:
            last_error = e
        if time.monotonic() > deadline:
            raise SaoError(
                f"timed out after {timeout}s waiting for "
                f"{message or getattr(predicate, '__name__', 'condition')}"
                + (f" (last error: {last_error})" if last_error else ''))
        time.sleep(interval)


_IDLE_JS = """
if (typeof jQuery === 'undefined') { return false; }
let pending = jQuery.active;
// the bus long polling ([bus] allow_subscribe) is always pending
if (typeof Sao !== 'undefined' && Sao.Bus && Sao.Bus.request &&
        Sao.Bus.request.state && Sao.Bus.request.state() === 'pending') {
    pending -= 1;
}
return pending <= 0;
"""


def ajax_idle(driver):
    "True when sao has no pending request (the bus long polling aside)"
    return driver.execute_script(_IDLE_JS)


def wait_idle(driver, timeout=DEFAULT_TIMEOUT, settle=0.3):
    """Wait until no request is pending for `settle` seconds"""
    deadline = time.monotonic() + timeout
    idle_since = None
    while True:
        if ajax_idle(driver):
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= settle:
                return
        else:
            idle_since = None
        if time.monotonic() > deadline:
            raise SaoError(f"requests still pending after {timeout}s")
        time.sleep(0.05)


def visible(elements):
    return [e for e in elements if e.is_displayed()]


# --------------------------------------------------------------------------
# Login
# --------------------------------------------------------------------------

def _dialog_text(driver):
    texts = []
    for dialog in visible(driver.find_elements(By.CSS_SELECTOR, '.modal')):
        texts.append(dialog.text.strip())
    return ' / '.join(t for t in texts if t)


def login(driver, base_url, database, user, password,
        timeout=DEFAULT_TIMEOUT):
    """Log into sao as user and wait until the menu is shown.

    sao asks first for the user name (with the database in the same dialog),
    then the server asks for the password in a second dialog.
    """
    driver.get(f"{base_url.rstrip('/')}/#{database}")
    login_input = wait_for(
        lambda: visible(driver.find_elements(
                By.CSS_SELECTOR, '.login-dialog input#login')),
        timeout, message="sao's login dialog")[0]
    # The database field is filled from the URL; fill it when the server
    # does not list databases ([database] list = False).
    for db_input in visible(driver.find_elements(
                By.CSS_SELECTOR, '.login-dialog input#database')):
        if not db_input.get_attribute('readonly') and \
                not db_input.get_attribute('value'):
            db_input.send_keys(database)
    login_input.clear()
    login_input.send_keys(user, Keys.ENTER)

    password_input = wait_for(
        lambda: visible(driver.find_elements(
                By.CSS_SELECTOR, '.ask-dialog input#ask-dialog-entry'))
        or _login_failed(driver),
        timeout, message="the password dialog")
    if isinstance(password_input, str):
        raise SaoError(f"login as {user!r} failed: {password_input}")
    password_input = password_input[0]
    password_input.send_keys(password)
    ok, = visible(driver.find_elements(
            By.CSS_SELECTOR, '.ask-dialog .modal-footer .btn-primary'))
    ok.click()

    def logged_in():
        if visible(driver.find_elements(
                    By.CSS_SELECTOR, '.ask-dialog input#ask-dialog-entry')):
            # the server asks again: wrong password
            return f"wrong password for {user!r}"
        failed = _login_failed(driver)
        if failed:
            return failed
        if (driver.find_elements(By.CSS_SELECTOR,
                    '#user-preferences > a.dropdown-toggle')
                and driver.find_elements(By.CSS_SELECTOR,
                    '#menu table.tree > tbody > tr .column-char')):
            return True
        return False
    # The password dialog closes before the request is sent: give the
    # client a moment so that it is not seen again by mistake.
    wait_for(lambda: not visible(driver.find_elements(
                By.CSS_SELECTOR, '.ask-dialog input#ask-dialog-entry')),
        timeout, message="the password dialog to close")
    result = wait_for(logged_in, timeout, message=f"{user!r} to be logged in")
    if result is not True:
        raise SaoError(f"login as {user!r} failed: {result}")
    wait_idle(driver, timeout)


def _login_failed(driver):
    "Text of an error/message dialog shown during login, or None"
    for selector in ('.error-dialog', '.message-dialog', '.warning-dialog'):
        dialogs = visible(driver.find_elements(By.CSS_SELECTOR, selector))
        if dialogs:
            return dialogs[0].text.strip() or selector
    return None


def logout(driver, timeout=DEFAULT_TIMEOUT):
    "Log out through the user menu"
    open_user_menu(driver)
    entry = wait_for(lambda: [
            e for e in visible(driver.find_elements(
                    By.CSS_SELECTOR, '#user-preferences .dropdown-menu a'))
            if e.get_attribute('data-action') == 'logout'
            or e.text.strip() in {'注销', 'Logout'}],
        timeout, message="the logout entry")[0]
    entry.click()

    def logged_out():
        if visible(driver.find_elements(
                    By.CSS_SELECTOR, '.login-dialog input#login')):
            return True
        # "The following action requires to close all tabs" when tabs are
        # open: confirm
        for button in visible(driver.find_elements(By.CSS_SELECTOR,
                    '.confirmation-dialog .modal-footer .btn-primary')):
            button.click()
        return False
    wait_for(logged_out, timeout, message="the login dialog after logout")


def open_user_menu(driver, timeout=DEFAULT_TIMEOUT):
    """Open the user dropdown (top right) and return its entry labels"""
    toggle = wait_for(lambda: driver.find_elements(
                By.CSS_SELECTOR, '#user-preferences > a.dropdown-toggle'),
        timeout, message="the user menu")[0]
    if not visible(driver.find_elements(
                By.CSS_SELECTOR, '#user-preferences .dropdown-menu')):
        if not toggle.is_displayed():
            _open_navbar(driver)
        wait_for(toggle.is_displayed, timeout,
            message="the user menu toggle to show")
        toggle.click()
    items = wait_for(lambda: [
            e.text.strip() for e in visible(driver.find_elements(
                    By.CSS_SELECTOR, '#user-preferences .dropdown-menu li'))
            if e.text.strip()],
        timeout, message="the user menu entries")
    return items


def close_user_menu(driver):
    if visible(driver.find_elements(
                By.CSS_SELECTOR, '#user-preferences .dropdown-menu')):
        driver.find_element(
            By.CSS_SELECTOR, '#user-preferences > a.dropdown-toggle').click()


def _open_navbar(driver):
    "On narrow screens the navbar is collapsed behind a toggle button"
    for toggle in visible(driver.find_elements(
                By.CSS_SELECTOR, 'button.navbar-toggle')):
        toggle.click()
        wait_for(lambda: visible(driver.find_elements(
                    By.CSS_SELECTOR, '#main_navbar.collapse.in')),
            message="the navbar to open")
        time.sleep(0.4)  # bootstrap's collapse animation


# --------------------------------------------------------------------------
# Menu
# --------------------------------------------------------------------------

_MENU_ROWS_JS = """
const rows = [];
for (const tr of document.querySelectorAll('#menu table.tree > tbody > tr')) {
    if (tr.offsetParent === null) { continue; }
    const label = tr.querySelector('.column-char');
    const expander = tr.querySelector('span.expander');
    const img = expander ? expander.querySelector('img') : null;
    const margin = img ? parseFloat(
        img.style.marginLeft || img.style.marginRight || '0') : 0;
    rows.push({
        element: tr,
        text: label ? label.textContent.trim() : '',
        depth: Math.round(margin) ,
        has_children: Boolean(expander) &&
            getComputedStyle(expander).visibility === 'visible',
    });
}
return rows;
"""


def menu_rows(driver):
    """Visible rows of the left menu: dicts with element, text, depth (0 for
    top level) and has_children"""
    return driver.execute_script(_MENU_ROWS_JS)


def _show_menu(driver, timeout=DEFAULT_TIMEOUT):
    "The menu is hidden on narrow screens once a tab is open"
    if not driver.find_element(By.ID, 'menu').is_displayed():
        driver.find_element(By.CSS_SELECTOR, '[data-toggle="menu"]').click()
    wait_for(lambda: driver.find_element(By.ID, 'menu').is_displayed(),
        timeout, message="the menu to be shown")


def menu_texts(driver, timeout=DEFAULT_TIMEOUT):
    """Labels of the top-level menu entries, as shown"""
    _show_menu(driver, timeout)
    rows = wait_for(lambda: menu_rows(driver), timeout,
        message="the menu entries")
    return [r['text'] for r in rows if r['depth'] == 0]


def _split(path):
    if isinstance(path, str):
        path = path.split('/')
    return [p.strip() for p in path if p.strip()]


def _subtree(rows, index):
    "Index range (start, end) of the rows below rows[index]"
    depth = rows[index]['depth']
    end = index + 1
    while end < len(rows) and rows[end]['depth'] > depth:
        end += 1
    return index + 1, end


def _find_row(driver, path, expand_last, timeout):
    """Expand the menu along path and return (rows, index) of its last entry.
    """
    names = _split(path)
    if not names:
        raise ValueError("empty menu path")
    _show_menu(driver, timeout)
    wait_for(lambda: menu_rows(driver), timeout, message="the menu entries")
    start, end, index = 0, None, None
    for level, name in enumerate(names):
        rows = menu_rows(driver)
        stop = len(rows) if end is None else end
        matches = [i for i in range(start, stop)
            if rows[i]['depth'] == level and rows[i]['text'] == name]
        if not matches:
            available = [rows[i]['text'] for i in range(start, stop)
                if rows[i]['depth'] == level]
            raise SaoError(
                f"menu entry {name!r} not found under "
                f"{'/'.join(names[:level]) or 'the top level'}; "
                f"visible entries: {available}")
        index = matches[0]
        last = level == len(names) - 1
        if (not last or expand_last) and rows[index]['has_children']:
            expand_menu_row(driver, index, timeout)
            rows = menu_rows(driver)
        start, end = _subtree(rows, index)
    return menu_rows(driver), index


def expand_menu_row(driver, index, timeout=DEFAULT_TIMEOUT):
    "Expand the menu row at index (of menu_rows) unless it is expanded"
    rows = menu_rows(driver)
    depth = rows[index]['depth']
    if index + 1 < len(rows) and rows[index + 1]['depth'] > depth:
        return  # already expanded
    expander = rows[index]['element'].find_element(
        By.CSS_SELECTOR, 'span.expander')
    expander.click()

    def expanded():
        rows = menu_rows(driver)
        return index + 1 < len(rows) and rows[index + 1]['depth'] > depth
    wait_for(expanded, timeout,
        message=f"menu entry {rows[index]['text']!r} to expand")
    wait_idle(driver, timeout)


def menu_children(driver, path, timeout=DEFAULT_TIMEOUT):
    """Expand the menu entry at path and return the labels of its children"""
    rows, index = _find_row(driver, path, True, timeout)
    start, end = _subtree(rows, index)
    depth = rows[index]['depth'] + 1
    return [rows[i]['text'] for i in range(start, end)
        if rows[i]['depth'] == depth]


def menu_descendants(driver, path, timeout=DEFAULT_TIMEOUT):
    """Expand everything below the entry at path and return the paths
    ('a/b/c', relative to it) of all entries below it"""
    rows, index = _find_row(driver, path, True, timeout)
    base = rows[index]['depth']
    # expand the subtree row by row: indexes shift as children appear
    i = index + 1
    while True:
        rows = menu_rows(driver)
        start, end = _subtree(rows, index)
        if i >= end:
            break
        if rows[i]['has_children']:
            expand_menu_row(driver, i, timeout)
        i += 1
    rows = menu_rows(driver)
    start, end = _subtree(rows, index)
    result, stack = [], []
    for i in range(start, end):
        level = rows[i]['depth'] - base - 1
        stack[level:] = [rows[i]['text']]
        result.append('/'.join(stack))
    return result


def open_menu(driver, path, timeout=DEFAULT_TIMEOUT):
    """Expand the menu along path ('医用耗材/低值耗材/基础信息/产品信息管理'
    or a list) by the labels shown, and open the last entry.

    When the last entry has children it is only expanded; otherwise its
    action opens in a new tab and this waits until the tab has loaded.
    Returns the tab's title for an action, None for an expanded folder.
    """
    rows, index = _find_row(driver, path, False, timeout)
    row = rows[index]
    if row['has_children']:
        expand_menu_row(driver, index, timeout)
        return None
    before = len(driver.find_elements(By.CSS_SELECTOR, '#tablist > li'))
    row['element'].find_element(By.CSS_SELECTOR, '.column-char').click()
    wait_for(lambda: len(driver.find_elements(
                By.CSS_SELECTOR, '#tablist > li')) > before
        or _login_failed(driver),
        timeout, message=f"a tab for menu {_split(path)[-1]!r}")
    failed = _login_failed(driver)
    if failed:
        raise SaoError(f"opening {path!r} failed: {failed}")
    wait_idle(driver, timeout)
    return current_tab_title(driver)


def current_tab_title(driver):
    """Name of the active tab: the menu entry's name (the last part of the
    'a / b / c' title sao gives it)"""
    titled = driver.find_elements(
        By.CSS_SELECTOR, '#tablist > li.active > a > span[title]')
    if not titled:
        return None
    return titled[0].get_attribute('title').split(' / ')[-1].strip()


# --------------------------------------------------------------------------
# List views
# --------------------------------------------------------------------------

def active_tab(driver):
    return driver.find_element(
        By.CSS_SELECTOR, '#tabcontent > .tab-pane.active')


_LIST_JS = """
const pane = document.querySelector('#tabcontent > .tab-pane.active');
if (!pane) { return null; }
const table = Array.from(pane.querySelectorAll('.treeview table.tree'))
    .find(t => t.offsetParent !== null);
if (!table) { return null; }
const visible = el => el.offsetParent !== null &&
    getComputedStyle(el).visibility !== 'hidden';
const headers = Array.from(table.querySelectorAll(':scope > thead > tr > th'))
    .filter(visible)
    .map(th => (th.querySelector('label') || th).textContent.trim())
    .filter(t => t);
const rows = Array.from(table.querySelectorAll(':scope > tbody > tr'))
    .filter(tr => visible(tr) && !tr.classList.contains('more-row'))
    .map(tr => Array.from(tr.querySelectorAll(':scope > td'))
        .filter(visible)
        .map(td => td.innerText.trim())
        .filter(t => t)
        .join('\\t'));
return {headers: headers, rows: rows};
"""


def list_state(driver):
    """{'headers': [...], 'rows': ['cell\\tcell', ...]} of the list view in
    the active tab, or None when there is none"""
    return driver.execute_script(_LIST_JS)


def wait_list(driver, timeout=DEFAULT_TIMEOUT, settle=0.5):
    """Wait until the active tab shows a list view that stopped changing and
    return list_state"""
    deadline = time.monotonic() + timeout
    previous, since = None, None
    while True:
        if ajax_idle(driver):
            state = list_state(driver)
            if state is not None and state == previous:
                if time.monotonic() - since >= settle:
                    return state
            else:
                previous, since = state, time.monotonic()
        else:
            previous = None
        if time.monotonic() > deadline:
            raise SaoError(f"the list view did not settle in {timeout}s")
        time.sleep(0.1)


def list_headers(driver, timeout=DEFAULT_TIMEOUT):
    "Column headers of the list view in the active tab"
    return wait_list(driver, timeout)['headers']


def list_rows(driver, timeout=DEFAULT_TIMEOUT):
    "Row texts (cells joined by tabs) of the list view in the active tab"
    return wait_list(driver, timeout)['rows']


def search_in_list(driver, text, timeout=DEFAULT_TIMEOUT):
    """Type text into the search box of the active tab's list view, run the
    search and return the row texts (cells joined by tabs)"""
    wait_list(driver, timeout)
    pane = active_tab(driver)
    boxes = visible(pane.find_elements(
            By.CSS_SELECTOR, 'form.filter-box input.form-control'))
    if not boxes:
        raise SaoError("no visible search box in the active tab "
            "(sao hides it below 768 px wide)")
    box = boxes[0]
    box.click()
    box.send_keys(Keys.CONTROL, 'a')
    box.send_keys(Keys.DELETE)
    box.send_keys(text)
    # Enter in the box submits the filter form; close the completion first
    box.send_keys(Keys.ENTER)
    time.sleep(0.2)
    return wait_list(driver, timeout)['rows']


# --------------------------------------------------------------------------
# Misc
# --------------------------------------------------------------------------

def page_language(driver):
    "The language sao uses for its own strings (Sao.i18n)"
    try:
        return driver.execute_script(
            "return (typeof Sao !== 'undefined') && Sao.i18n.getlang();")
    except WebDriverException:
        return None
