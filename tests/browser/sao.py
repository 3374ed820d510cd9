"""Helpers to drive the Tryton web client (sao 8.0) with Selenium.

Shared by the browser tests under tests/browser/.  Element ids and classes
come from sao's source (.sao/package/dist/tryton-sao.js):

- login dialog: ``.login-dialog`` with ``input#database`` (readonly when the
  server lists one database; a ``select#database`` when it lists several;
  hidden until the server answered the list of databases),
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
- forms: entries are ``input/select/textarea[name=<field>]``, view buttons
  ``button[name=<button>]``, toolbar buttons ``nav.toolbar button#<id>``
  (``new_``, ``save`` …); list cells carry ``data-title="<column>: "``;
  dialogs are ``.modal.in .modal-content`` (confirmations
  ``.confirmation-dialog``, errors ``.error-dialog``/``.warning-dialog``).
- the view shown: ``Sao.Tab.tabs.get_current().screen.current_view``.
"""
import base64
import json
import os
import shutil
import time
import urllib.request
from pathlib import Path

try:
    from selenium.common.exceptions import (
        ElementClickInterceptedException, ElementNotInteractableException,
        JavascriptException, StaleElementReferenceException,
        WebDriverException)
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
except ImportError:  # browser_missing() tells; the tests skip
    class _NoSelenium(Exception):
        pass
    JavascriptException = StaleElementReferenceException = _NoSelenium
    WebDriverException = ElementClickInterceptedException = _NoSelenium
    ElementNotInteractableException = _NoSelenium
    ActionChains = By = Keys = None

REPO = Path(__file__).resolve().parents[2]
SAO_ROOT = REPO / '.sao' / 'package'
SCREENSHOT_DIR = REPO / 'test-output' / 'screenshots'
# screenshots kept in the repository to document the flows
DOC_SCREENSHOT_DIR = REPO / 'docs' / 'screenshots'

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
// sao keeps the tab's state in the URL fragment and, on 'hashchange', opens
// a new tab when the fragment is not the current tab's: an event still
// queued when the test acts (switches the view) opens a stray tab.  Wait
// until every change of the fragment has been seen.
if (!window.__medHash) {
    window.__medHash = {seen: location.hash};
    window.addEventListener('hashchange', () => {
        window.__medHash.seen = location.hash;
    });
}
if (!window.__medPending) {
    // what is pending, for the message of a wait that times out
    window.__medPending = new Map();
    jQuery(document).ajaxSend((event, xhr, options) => {
        let what = options.url;
        try { what = JSON.parse(options.data).method; } catch (e) {}
        window.__medPending.set(xhr, what);
    });
    jQuery(document).ajaxComplete(
        (event, xhr) => window.__medPending.delete(xhr));
}
if (window.__medHash.seen !== location.hash) { return false; }
let pending = jQuery.active;
// the bus long polling ([bus] allow_subscribe) is always pending
if (typeof Sao !== 'undefined' && Sao.Bus && Sao.Bus.request &&
        Sao.Bus.request.state && Sao.Bus.request.state() === 'pending') {
    pending -= 1;
}
return pending <= 0;
"""


def ajax_idle(driver):
    """True when sao has no pending request (the bus long polling aside)
    and no change of the URL fragment waiting for its 'hashchange'"""
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
            raise SaoError(f"requests still pending after {timeout}s: "
                + str(pending_requests(driver)))
        time.sleep(0.05)


def pending_requests(driver):
    "What sao waits for: the RPC methods pending, a fragment not yet seen"
    try:
        return driver.execute_script("""
return {
    requests: window.__medPending ?
        Array.from(window.__medPending.values()) : null,
    active: typeof jQuery === 'undefined' ? null : jQuery.active,
    hash: location.hash,
    hash_seen: window.__medHash ? window.__medHash.seen : null,
};""")
    except Exception as e:  # the page itself may be what hangs
        return repr(e)


def try_click(element):
    """Click element; False when it cannot take the click yet (a dialog
    still fading in, covered by another element)"""
    try:
        element.click()
        return True
    except (ElementNotInteractableException,
            ElementClickInterceptedException):
        return False


def click_settled(element, timeout=DEFAULT_TIMEOUT):
    """Click element once it stopped moving and takes the click: sao's
    dialogs slide in, and a click during the slide may miss its target.
    An element that is gone (its dialog closed) is not clicked."""
    def ready():
        try:
            before = element.rect
            time.sleep(0.05)
            return element.rect == before and try_click(element)
        except StaleElementReferenceException:
            return True
    wait_for(ready, timeout, message="the element to take the click")


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
    # The database field shows once sao has asked the server for its
    # databases; submitting before that does nothing (sao marks the empty
    # field).  It is filled from the URL; fill it when the server does not
    # list databases ([database] list = False).
    db_fields = wait_for(lambda: visible(driver.find_elements(
                By.CSS_SELECTOR, '.login-dialog input#database, '
                '.login-dialog select#database')),
        timeout, message="the database field of the login dialog")
    for db_field in db_fields:
        if (db_field.tag_name == 'input'
                and not db_field.get_attribute('readonly')
                and not db_field.get_attribute('value')):
            db_field.send_keys(database)
    login_input.clear()
    login_input.send_keys(user, Keys.ENTER)

    password_input = wait_for(
        lambda: visible(driver.find_elements(
                By.CSS_SELECTOR, '.ask-dialog input#ask-dialog-entry'))
        or alert_text(driver),
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
        failed = alert_text(driver)
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


ALERT_DIALOGS = ('.error-dialog', '.message-dialog', '.warning-dialog',
    '.user-warning-dialog')


def alert_text(driver):
    """Text of a visible error, message or warning dialog (what sao shows
    for a server error or a UserError/UserWarning), or None"""
    for selector in ALERT_DIALOGS:
        dialogs = visible(driver.find_elements(By.CSS_SELECTOR, selector))
        if dialogs:
            return dialogs[0].text.strip() or selector
    return None


def logout(driver, timeout=DEFAULT_TIMEOUT):
    "Log out through the user menu"
    open_user_menu(driver)

    def click_entry():
        # sao redraws the dropdown (notifications) at any time: find and
        # click in one go, again when the entry went stale
        for entry in visible(driver.find_elements(
                    By.CSS_SELECTOR, '#user-preferences .dropdown-menu a')):
            if (entry.get_attribute('data-action') == 'logout'
                    or entry.text.strip() in {'注销', 'Logout'}):
                return try_click(entry)
        return False
    wait_for(click_entry, timeout, message="the logout entry")

    def logged_out():
        if visible(driver.find_elements(
                    By.CSS_SELECTOR, '.login-dialog input#login')):
            return True
        # "The following action requires to close all tabs" when tabs are
        # open: confirm
        for button in visible(driver.find_elements(By.CSS_SELECTOR,
                    '.confirmation-dialog .modal-footer .btn-primary')):
            click_settled(button, timeout)
        return False
    wait_for(logged_out, timeout, message="the login dialog after logout")


def open_user_menu(driver, timeout=DEFAULT_TIMEOUT):
    """Open the user dropdown (top right) and return its entry labels"""
    def dropdown_open():
        # sao may redraw the user menu at any time: look again each round
        if visible(driver.find_elements(
                    By.CSS_SELECTOR, '#user-preferences .dropdown-menu')):
            return True
        toggles = driver.find_elements(
            By.CSS_SELECTOR, '#user-preferences > a.dropdown-toggle')
        if toggles and not toggles[0].is_displayed():
            _open_navbar(driver)
        elif toggles:
            try_click(toggles[0])
        return False
    wait_for(dropdown_open, timeout, interval=0.3,
        message="the user menu to open")
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
        or alert_text(driver),
        timeout, message=f"a tab for menu {_split(path)[-1]!r}")
    failed = alert_text(driver)
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


def select_list_tab(driver, label, timeout=DEFAULT_TIMEOUT):
    """Click the domain tab (草稿, 待审核, 全部 …) of the active tab's list
    view whose label, without its count badge, is label; return list_state"""
    wait_list(driver, timeout)

    def tabs():
        return {
            a.text.strip().rsplit(None, 1)[0]
            if a.find_elements(By.CSS_SELECTOR, '.badge') else a.text.strip():
            a for a in visible(active_tab(driver).find_elements(
                    By.CSS_SELECTOR, '.nav-tabs > li > a'))}
    found = wait_for(lambda: tabs().get(label), timeout,
        message=f"list tab {label!r} (shown: {list(tabs())})")
    found.click()
    time.sleep(0.2)  # the tab switch starts a search on the next tick
    return wait_list(driver, timeout)


def list_row_elements(driver, text):
    """Visible rows of the active tab's list view with a cell showing text
    (the whole cell); when no cell does, the rows whose text contains it"""
    pane = active_tab(driver)
    rows = [r for r in visible(pane.find_elements(
                By.CSS_SELECTOR, '.treeview table.tree > tbody > tr'))
        if text in r.text]
    exact = [r for r in rows if text in [
            c.text.strip() for c in r.find_elements(
                By.CSS_SELECTOR, ':scope > td')]]
    return exact or rows


def open_row(driver, text, timeout=DEFAULT_TIMEOUT):
    """Open (double-click) the row of the active tab's list view found by
    list_row_elements(text) and wait for its form"""
    wait_list(driver, timeout)
    rows = list_row_elements(driver, text)
    if len(rows) != 1:
        raise SaoError(f"{len(rows)} rows show {text!r}: "
            f"{list_state(driver)['rows']}")
    cell = wait_for(lambda: [c for c in visible(rows[0].find_elements(
                    By.CSS_SELECTOR, ':scope > td')) if c.text.strip()],
        timeout, message=f"a cell of the row {text!r}")[0]
    # Selecting a row updates the URL fragment (the search in it); a double
    # click before sao saw that change switches the view under its
    # 'hashchange' handler, which then opens the list again in a new tab.
    # Select first, let sao settle, then double-click.
    cell.click()
    wait_idle(driver, timeout)
    ActionChains(driver).double_click(cell).perform()
    wait_form(driver, timeout)


# --------------------------------------------------------------------------
# Forms, buttons, dialogs
# --------------------------------------------------------------------------

_VIEW_TYPE_JS = """
const tab = (typeof Sao !== 'undefined') && Sao.Tab.tabs.get_current();
const view = tab && tab.screen && tab.screen.current_view;
return view ? view.view_type : null;
"""


def view_type(driver):
    "'form', 'tree' … : the view shown in the active tab"
    return driver.execute_script(_VIEW_TYPE_JS)


def wait_form(driver, timeout=DEFAULT_TIMEOUT):
    "Wait until the active tab shows its form view and sao is idle"
    wait_for(lambda: view_type(driver) == 'form' or alert_text(driver),
        timeout, message="the form view")
    check_no_alert(driver)
    wait_idle(driver, timeout)


def check_no_alert(driver):
    "Raise SaoError with the text of an error/warning dialog if one is shown"
    text = alert_text(driver)
    if text:
        raise SaoError(f"sao shows a dialog: {text}")


def scope(driver):
    """Where form fields and buttons are looked for: the top dialog (a
    wizard, a record opened from a one2many …) if one is open, else the
    active tab"""
    dialogs = [d for d in visible(driver.find_elements(
                By.CSS_SELECTOR, '.modal.in .modal-content'))]
    return dialogs[-1] if dialogs else active_tab(driver)


def toolbar_click(driver, button_id, timeout=DEFAULT_TIMEOUT):
    """Click a button of the active tab's toolbar by its id: new_, save,
    reload, switch_, previous, next …; wait for the answer"""
    button = wait_for(lambda: visible(active_tab(driver).find_elements(
                By.CSS_SELECTOR, f'nav.toolbar button#{button_id}')),
        timeout, message=f"toolbar button {button_id!r}")[0]
    button.click()
    wait_idle(driver, timeout)
    check_no_alert(driver)


def new_record(driver, timeout=DEFAULT_TIMEOUT):
    "New record in the active tab (toolbar 新建); waits for the form"
    toolbar_click(driver, 'new_', timeout)
    wait_form(driver, timeout)


def save(driver, timeout=DEFAULT_TIMEOUT):
    "Save the active tab's record (toolbar 保存)"
    toolbar_click(driver, 'save', timeout)
    wait_for(lambda: not _modified(driver) or alert_text(driver),
        timeout, message="the record to be saved")
    check_no_alert(driver)


def _modified(driver):
    return driver.execute_script("""
const tab = Sao.Tab.tabs.get_current();
return Boolean(tab && tab.screen && tab.screen.modified());
""")


def field_element(driver, name, timeout=DEFAULT_TIMEOUT, where=None):
    """The visible input/select/textarea of field name in the scope (see
    scope()); sao gives them the field's name"""
    def find():
        container = where or scope(driver)
        return visible(container.find_elements(By.CSS_SELECTOR,
                f'input[name="{name}"], select[name="{name}"], '
                f'textarea[name="{name}"]'))
    return wait_for(find, timeout, message=f"field {name!r}")[0]


def field_value(driver, name, timeout=DEFAULT_TIMEOUT, where=None):
    """The text a field shows: the label of a selection, the value of an
    entry"""
    element = field_element(driver, name, timeout, where)
    return driver.execute_script("""
const el = arguments[0];
if (el.tagName === 'SELECT') {
    return el.selectedIndex >= 0 ? el.options[el.selectedIndex].text : '';
}
return el.value;
""", element).strip()


def wait_field_value(driver, name, expected, timeout=DEFAULT_TIMEOUT,
        where=None):
    "Wait until field name shows expected; return it"
    wait_for(lambda: field_value(driver, name, timeout, where) == expected
        or alert_text(driver), timeout,
        message=f"field {name!r} to show {expected!r}")
    check_no_alert(driver)
    return expected


def type_into(driver, element, text, timeout=DEFAULT_TIMEOUT):
    """Replace the content of an entry with text and leave it (Tab), so that
    sao runs its on_change; wait for the answer"""
    name = element.get_attribute('name')
    element.click()
    # a click into an editable list may redraw the cell: type into what
    # has the focus when it is the same field
    focused = driver.switch_to.active_element
    if focused.get_attribute('name') == name:
        element = focused
    element.send_keys(Keys.CONTROL, 'a')
    element.send_keys(Keys.DELETE)
    element.send_keys(str(text))
    element.send_keys(Keys.TAB)
    wait_idle(driver, timeout)
    check_no_alert(driver)


def set_field(driver, name, text, timeout=DEFAULT_TIMEOUT, where=None):
    "Type text into the entry of field name (see type_into)"
    type_into(driver, field_element(driver, name, timeout, where), text,
        timeout)


def fill_many2one(driver, element, text, timeout=DEFAULT_TIMEOUT):
    """Type text into a many2one entry and leave it.  sao fills the field
    when the search finds one record; otherwise it opens a search dialog:
    pick the row containing text there."""
    type_into(driver, element, text, timeout)
    dialogs = visible(driver.find_elements(By.CSS_SELECTOR,
            '.modal.in .modal-content'))
    search = [d for d in dialogs if d.find_elements(
            By.CSS_SELECTOR, '.modal-body table.tree')]
    if search:
        dialog = search[-1]
        rows = wait_for(lambda: [r for r in visible(dialog.find_elements(
                        By.CSS_SELECTOR, 'table.tree > tbody > tr'))
                if text in r.text], timeout,
            message=f"a row with {text!r} in the search dialog")
        cells = [c for c in visible(rows[0].find_elements(
                    By.CSS_SELECTOR, ':scope > td')) if c.text.strip()]
        click_settled(cells[0], timeout)
        click_settled(dialog.find_element(
                By.CSS_SELECTOR, '.modal-footer .btn-primary'), timeout)
        wait_for(lambda: not dialog.is_displayed(), timeout,
            message="the search dialog to close")
        wait_idle(driver, timeout)
    check_no_alert(driver)


def click_button(driver, name, timeout=DEFAULT_TIMEOUT, confirm=False,
        where=None):
    """Click the form button name (<button name="..."/> of the view) in the
    scope and wait for the answer.  confirm=True: the button asks for a
    confirmation (its confirm attribute), accept it.  Raises SaoError when
    sao shows an error or a warning.  Returns the button's label."""
    button = wait_for(lambda: [b for b in visible(
                (where or scope(driver)).find_elements(
                    By.CSS_SELECTOR, f'button[name="{name}"]'))
            if b.is_enabled()],
        timeout, message=f"an enabled button {name!r}")[0]
    label = button.text.strip()
    button.click()
    if confirm:
        # sao saves the record first, then asks
        selector = '.confirmation-dialog .modal-footer .btn-primary'
        ok = wait_for(lambda: alert_text(driver) or visible(
                driver.find_elements(By.CSS_SELECTOR, selector)),
            timeout, message=f"the confirmation of button {name!r}")
        check_no_alert(driver)
        click_settled(ok[0], timeout)
        wait_for(lambda: not visible(
                driver.find_elements(By.CSS_SELECTOR, selector)),
            timeout, message="the confirmation to close")
    wait_idle(driver, timeout)
    check_no_alert(driver)
    return label


def wait_dialog(driver, timeout=DEFAULT_TIMEOUT):
    """Wait for a dialog (a wizard, a search …) to show and return its
    content element; raises SaoError for an error or warning instead"""
    def shown():
        if alert_text(driver):
            return True
        return visible(driver.find_elements(
                By.CSS_SELECTOR, '.modal.in .modal-content'))
    found = wait_for(shown, timeout, message="a dialog")
    check_no_alert(driver)
    wait_idle(driver, timeout)
    return found[-1]


def wait_closed(driver, dialog, timeout=DEFAULT_TIMEOUT):
    "Wait until dialog (from wait_dialog) is closed and sao is idle"
    def closed():
        try:
            return not dialog.is_displayed()
        except StaleElementReferenceException:
            return True
    wait_for(lambda: closed() or alert_text(driver), timeout,
        message="the dialog to close")
    check_no_alert(driver)
    wait_idle(driver, timeout)


def dialog_button(driver, label, timeout=DEFAULT_TIMEOUT):
    """Click the footer button labelled label of the top dialog (wizard
    buttons carry no name) and wait for the answer"""
    dialog = scope(driver)
    button = wait_for(lambda: [b for b in visible(dialog.find_elements(
                    By.CSS_SELECTOR, '.modal-footer button'))
            if b.text.strip() == label and b.is_enabled()],
        timeout, message=f"dialog button {label!r}")[0]
    click_settled(button, timeout)
    wait_idle(driver, timeout)
    check_no_alert(driver)


def notebook_page(driver, label, timeout=DEFAULT_TIMEOUT):
    "Show the notebook page (form tab) labelled label in the scope"
    page = wait_for(lambda: [a for a in visible(scope(driver).find_elements(
                    By.CSS_SELECTOR, '.form .nav-tabs > li > a'))
            if a.text.strip() == label],
        timeout, message=f"notebook page {label!r}")[0]
    page.click()
    wait_idle(driver, timeout)


def one2many(driver, label, timeout=DEFAULT_TIMEOUT):
    "The one2many widget titled label in the scope"
    return wait_for(lambda: [w for w in visible(scope(driver).find_elements(
                    By.CSS_SELECTOR, '.form-one2many'))
            if w.find_element(By.CSS_SELECTOR,
                '.form-one2many-string').text.strip() == label],
        timeout, message=f"one2many {label!r}")[0]


def one2many_new(driver, label, timeout=DEFAULT_TIMEOUT):
    """Click 新建 of the one2many titled label: an editable list gets a new
    row in edition (find its entries with field_element(where=widget));
    returns the widget"""
    widget = one2many(driver, label, timeout)
    title = driver.execute_script("return Sao.i18n.gettext('New');")
    widget.find_element(By.CSS_SELECTOR,
        f'.form-one2many-menu button[title="{title}"]').click()
    wait_idle(driver, timeout)
    return widget


def widget_rows(widget):
    """Visible record rows of the list inside widget (a one2many, a dialog
    …), without sao's "more" row"""
    return [r for r in visible(widget.find_elements(
                By.CSS_SELECTOR, 'table.tree > tbody > tr'))
        if 'more-row' not in (r.get_attribute('class') or '')]


def _cell_title(td):
    "The column title of a list cell (sao's data-title, e.g. '产品: ')"
    return (td.get_attribute('data-title') or '').strip().rstrip(':：').strip()


def row_values(row):
    """{column title: text shown} of the visible cells of a list row"""
    return {_cell_title(td): td.text.strip()
        for td in visible(row.find_elements(By.CSS_SELECTOR, ':scope > td'))
        if _cell_title(td)}


def edit_cell(driver, row, column, text, timeout=DEFAULT_TIMEOUT):
    """Type text into the cell of column (its title, as shown in the header)
    of row, a row of an editable list.  The first click on a row selects it,
    the next one edits the clicked cell."""
    def cell():
        for td in row.find_elements(By.CSS_SELECTOR, ':scope > td'):
            if _cell_title(td) == column:
                return td
        raise SaoError(f"no column {column!r} in the row")

    def editing():
        entries = visible(cell().find_elements(
                By.CSS_SELECTOR, 'input, select, textarea'))
        if entries:
            return entries[0]
        if ajax_idle(driver):
            cell().click()
        return None
    entry = wait_for(editing, timeout, interval=0.3,
        message=f"the cell {column!r} to be edited")
    type_into(driver, entry, text, timeout)


def scroll_into_view(driver, element):
    "Scroll the page (and sao's scrolling panes) so that element shows"
    driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});",
        element)


def horizontal_overflow(driver, lists_scroll=False):
    """What sticks out of the viewport horizontally, as a list of
    {'what', 'left', 'right'}; empty when nothing is cut off.

    Checks the document width, sao's scrolling boxes (a form too wide for
    the window scrolls inside its .content-box, the document does not
    grow) and every visible label, entry, button, notebook tab and one2many
    of the active tab or top dialog.  lists_scroll=True accepts what lies
    in a list view that scrolls horizontally (wide tables on a desktop);
    on a phone lists are cards and must fit too."""
    return driver.execute_script("""
const listsScroll = arguments[0];
const width = document.documentElement.clientWidth;
const out = [];
const doc = Math.max(document.body.scrollWidth,
    document.documentElement.scrollWidth);
if (doc > width) {
    out.push({what: 'document scrollWidth ' + doc, left: 0, right: doc});
}
const roots = Array.from(
    document.querySelectorAll('.modal.in .modal-content'));
const pane = document.querySelector('#tabcontent > .tab-pane.active');
const root = roots.length ? roots[roots.length - 1] : pane;
if (!root) { return out; }
const scrolls = el => el.scrollWidth > el.clientWidth + 1;
for (const box of root.querySelectorAll('.content-box, .modal-body')) {
    if (box.offsetParent !== null && scrolls(box) &&
            !(listsScroll && box.closest('.treeview'))) {
        out.push({what: box.className + ' scrolls horizontally (' +
            box.scrollWidth + ' > ' + box.clientWidth + ')',
            left: 0, right: box.scrollWidth});
    }
}
const selector = ['label', 'input', 'select', 'textarea', 'button',
    '.form-one2many', '.nav-tabs'].join(',');
for (const el of root.querySelectorAll(selector)) {
    if (el.offsetParent === null) { continue; }
    const list = el.closest('.treeview');
    if (listsScroll && list && scrolls(list)) { continue; }
    const box = el.getBoundingClientRect();
    if (box.width === 0) { continue; }
    // entirely left of the page: sao's way to hide (list headers on a
    // phone), not something cut off
    if (box.right <= 0) { continue; }
    if (box.left < -1 || box.right > width + 1) {
        const name = el.getAttribute('name');
        out.push({what: el.tagName.toLowerCase() +
            (name ? '[name=' + name + ']' : '') +
            ' ' + (el.textContent || el.value || '').trim().slice(0, 30),
            left: Math.round(box.left), right: Math.round(box.right)});
    }
}
return out;
""", lists_scroll)


# --------------------------------------------------------------------------
# JSON-RPC (to prepare or check what the browser does)
# --------------------------------------------------------------------------

def rpc(url, method, params, auth=None, timeout=60):
    """Call method on trytond's JSON-RPC url (<base>/<db>/rpc/); auth is the
    base64 'login:user_id:session' of a session.  Raises AssertionError with
    the server's error."""
    request = urllib.request.Request(url, data=json.dumps({
                'id': 1, 'method': method, 'params': params}).encode(),
        headers={'Content-Type': 'application/json'})
    if auth:
        request.add_header('Authorization', 'Session ' + auth)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer = json.load(response)
    if answer.get('error'):
        raise AssertionError(f"{method}: {answer['error']}")
    return answer['result']


class RpcSession:
    """A JSON-RPC session of one user:
    session.model('med.requisition', 'search_read', domain, 0, None, None,
    ['state']) calls with the user's context appended."""

    def __init__(self, base_url, database, login, password,
            language='zh_CN'):
        self.url = f"{base_url.rstrip('/')}/{database}/rpc/"
        user_id, session, *_ = rpc(self.url, 'common.db.login',
            [login, {'password': password}, language])
        self.user_id = user_id
        self.auth = base64.b64encode(
            f'{login}:{user_id}:{session}'.encode()).decode()
        self.context = self('model.res.user.get_preferences', True, {})

    def __call__(self, method, *params):
        return rpc(self.url, method, list(params), self.auth)

    def model(self, model, method, *params):
        return self(f'model.{model}.{method}', *params, self.context)

    def logout(self):
        self('common.db.logout')


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
