"""请领单整合: the buyer consolidates approved requisitions in sao.

The buyer (buyer, 赵静) opens 低值耗材 › 采购业务 › 请领单整合, adds approved
requisitions of the departments, presses 计算 and reviews, per store and
product, what is asked, in stock, on order and to be bought from which
contracted supplier at which price; 生成采购单 creates one order per
supplier and opens them in a list (草稿).  JSON-RPC then checks the orders,
their lines and that every line traces back to the requisitions.

On a fresh demo database the requisitions are the three the demo builder
approved (心内科, 普外科, 骨科).  Once consolidated they stay approved (the
keeper has not issued them yet) but their shortfalls are on order, so the
next run has nothing to order from them: it then makes a new requisition
over JSON-RPC (心内科's nurse asks the 中心库 for more of a product than it
holds and has on order, the head of the department approves) and
consolidates that one.  Screenshots: docs/screenshots/consolidation-*.png
(docs/browser-tests.md).

The module med_purchase may not be translated yet: the test drives the
menu, the wizard buttons and the lists in Chinese or, failing that, in the
English of the source, and warns with every English label it saw
(MED_STRICT_ZH=1 makes that a failure).
"""
import math
import os
import re
import warnings

import pytest

import sao

_reason = sao.skip_reason()
if _reason:
    pytest.skip(f"browser tests skipped: {_reason}", allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

LOW = '医用耗材/低值耗材'
# (Chinese, English source) of what the test finds by its label
MENU = ('采购业务/请领单整合', 'Purchasing/Consolidate Requisitions')
COMPUTE = ('计算', 'Compute')
CREATE_ORDERS = ('生成采购单', 'Create Orders')
# The purchase's state 'draft'; Tryton's own catalogue says 草案
DRAFT = ('草稿', '草案')
STRICT_CHINESE = os.environ.get('MED_STRICT_ZH') == '1'

DEPARTMENT = '心内科'
# the review list's columns (consolidate_line_list.xml), in order
REVIEW_FIELDS = ['warehouse', 'product', 'pending_quantity',
    'stock_quantity', 'on_order_quantity', 'quantity', 'supplier',
    'unit_price']
MAX_REQUISITIONS = 3
# a new requisition asks this much more than the store holds and has on
# order (or less, when the department's maximum leaves less room)
SHORTFALL = 10

LATIN = re.compile(r'[A-Za-z]{2,}')
# codes shown with Chinese names: [ZXK] 中心库, [DZ000071] 手套, QL2026…
CODE = re.compile(r'\[[^\]]*\]|\b[A-Z]{1,4}\d+\b')


def english(texts):
    "The texts that show English words (codes in brackets aside)"
    return sorted({t for t in texts if t and LATIN.search(CODE.sub('', t))})


# --------------------------------------------------------------------------
# JSON-RPC: what to consolidate
# --------------------------------------------------------------------------

def dry_run(buyer, requisition_ids):
    """The review lines the wizard computes for the requisitions (the
    wizard run over JSON-RPC up to its review, then dropped), or None when
    it has nothing to order"""
    wizard = 'wizard.med.purchase.consolidate'
    session_id, _, _ = buyer(f'{wizard}.create', buyer.context)
    try:
        result = buyer(f'{wizard}.execute', session_id,
            {'start': {'requisitions': list(requisition_ids)}}, 'compute',
            buyer.context)
    except AssertionError as exception:
        if 'UserError' in str(exception):
            return None
        raise
    finally:
        buyer(f'{wizard}.delete', session_id, buyer.context)
    view = result['view']
    assert view['state'] == 'review', view['state']
    lines = view['defaults']['lines']
    names = {}
    for model, field in [('stock.location', 'warehouse'),
            ('product.product', 'product'), ('party.party', 'supplier')]:
        ids = sorted({l[field] for l in lines if l[field]})
        for record in buyer.model(model, 'read', ids, ['rec_name']):
            names[(field, record['id'])] = record['rec_name']
    for line in lines:
        for field in ['warehouse', 'product', 'supplier']:
            line[f'{field}.rec_name'] = names.get((field, line[field]))
        price = line['unit_price']
        line['unit_price'] = (float(price['decimal'])
            if isinstance(price, dict) else price)
    return lines


def fresh_requisitions(buyer):
    """Approved requisitions nothing was ordered for yet (at most
    MAX_REQUISITIONS, oldest first)"""
    requisitions = buyer.model('med.requisition', 'search_read',
        [('state', 'in', ['approved', 'processing'])], 0, None,
        [('id', 'ASC')], ['number', 'purchases'])
    return [r for r in requisitions if not r['purchases']][:MAX_REQUISITIONS]


def quantities(session, product_ids, location):
    context = dict(session.context, locations=[location], with_childs=True)
    return {p['id']: p['quantity'] for p in session(
            'model.product.product.read', product_ids, ['quantity'],
            context)}


def new_requisition(buyer, ward, ward_head):
    """A requisition of DEPARTMENT for a product its supplying store cannot
    cover, submitted by ward and approved by ward_head; returns its id.

    The product is in the department's catalogue, has a valid contract, and
    the department may still ask for more of it than the store holds plus
    what is on order for it (purchase lines not received or cancelled and
    draft purchase requests: an upper bound of what the wizard counts)."""
    department, = ward.model('med.department', 'search_read',
        [('name', '=', DEPARTMENT)], 0, None, None,
        ['warehouse', 'supply_warehouse'])
    store = department['supply_warehouse']
    entries = ward.model('med.department.catalog', 'search_read', [
            ('department', '=', department['id']),
            ('product.code', 'like', 'DZ%'),
            ('product.type', '=', 'goods'),
            ], 0, None, None, ['product', 'max_quantity'])
    product_ids = [e['product'] for e in entries]
    contracted = {c['product'] for c in buyer.model('med.catalog',
            'search_read', [('product', 'in', product_ids),
                ('valid', '=', True)], 0, None, None, ['product'])}
    held = quantities(ward, product_ids, department['warehouse'])
    in_store = quantities(ward, product_ids, store)
    on_order = dict.fromkeys(product_ids, 0)
    for line in buyer.model('purchase.line', 'search_read', [
                ('product', 'in', product_ids),
                ('type', '=', 'line'),
                ('purchase.state', 'not in', ['done', 'cancelled']),
                ], 0, None, None, ['product', 'quantity']):
        on_order[line['product']] += line['quantity']
    for request in buyer.model('purchase.request', 'search_read', [
                ('product', 'in', product_ids),
                ('state', '=', 'draft'),
                ], 0, None, None, ['product', 'quantity']):
        on_order[request['product']] += request['quantity']
    candidates = []
    for entry in entries:
        product = entry['product']
        if product not in contracted:
            continue
        covered = max(in_store[product], 0) + on_order[product]
        room = (entry['max_quantity'] - held[product]
            if entry['max_quantity'] is not None else math.inf)
        margin = math.floor(room - covered)
        if margin >= 1:
            candidates.append((-min(margin, SHORTFALL), product,
                    math.floor(covered) + min(margin, SHORTFALL)))
    if not candidates:
        pytest.fail(f"no product of {DEPARTMENT}'s catalogue can be "
            "requested beyond what the store holds and has on order: "
            "rebuild the demo database")
    _, product, quantity = min(candidates)
    unit, = ward.model('product.product', 'read', [product],
        ['default_uom'])
    requisition, = ward.model('med.requisition', 'create', [{
                'department': department['id'],
                'warehouse': store,
                'comment': 'browser-test 请领单整合',
                'lines': [['create', [{
                                'product': product,
                                'quantity': quantity,
                                'unit': unit['default_uom'],
                                }]]],
                }])
    ward.model('med.requisition', 'submit', [requisition])
    ward_head.model('med.requisition', 'approve', [requisition])
    return requisition


def requisitions_to_consolidate(rpc_session):
    """(requisitions [{'id', 'number'}], review lines the wizard will
    show): the fresh approved requisitions when they have something to
    order from a contracted supplier, else a new one"""
    buyer = rpc_session('buyer')
    fresh = fresh_requisitions(buyer)
    if fresh:
        lines = dry_run(buyer, [r['id'] for r in fresh])
        if lines and all(l['supplier'] for l in lines):
            return fresh, lines
    requisition = new_requisition(
        buyer, rpc_session('ward'), rpc_session('ward_head'))
    lines = dry_run(buyer, [requisition])
    assert lines, f"the new requisition {requisition} has nothing to order"
    assert all(l['supplier'] for l in lines), lines
    number, = buyer.model('med.requisition', 'read', [requisition],
        ['number'])
    return [number], lines


# --------------------------------------------------------------------------
# sao
# --------------------------------------------------------------------------

def open_menu_wizard(driver, labels):
    """Click the menu entry LOW/<path> for the first path of labels that the
    menu shows, and wait for the wizard's dialog; returns (the dialog, the
    path used)"""
    error = None
    for path in labels:
        try:
            # sao.open_menu waits for a tab; a wizard opens a dialog
            rows, index = sao._find_row(
                driver, f'{LOW}/{path}', False, sao.DEFAULT_TIMEOUT)
        except sao.SaoError as exception:
            error = exception
            continue
        rows[index]['element'].find_element(
            By.CSS_SELECTOR, '.column-char').click()
        return sao.wait_dialog(driver), path
    raise error


def footer_button(dialog, labels):
    """The enabled footer button of dialog labelled by one of labels (its
    text, before CSS upper-cases it)"""
    def find():
        for button in sao.visible(dialog.find_elements(
                    By.CSS_SELECTOR, '.modal-footer button')):
            if (button.get_attribute('textContent').strip() in labels
                    and button.is_enabled()):
                return button
        return None
    return sao.wait_for(find, message=f"dialog button {labels[0]!r}")


def footer_labels(dialog):
    return [b.get_attribute('textContent').strip() for b in sao.visible(
            dialog.find_elements(By.CSS_SELECTOR, '.modal-footer button'))]


def dialog_texts(dialog):
    "Title, labels, list headers and buttons of a dialog, as shown"
    texts = [e.get_attribute('textContent').strip() for e in sao.visible(
            dialog.find_elements(By.CSS_SELECTOR,
                '.modal-title, .model-title, label, th'))]
    return texts + footer_labels(dialog)


def add_requisition(driver, wizard, number):
    """Type the number into the requisitions' entry: sao opens its search
    dialog filtered on it; pick the row, 确定.  Returns the dialog's texts
    (title, headers, buttons)."""
    entry = sao.field_element(driver, 'requisitions', where=wizard)
    entry.click()
    entry.send_keys(number, Keys.TAB)

    def search_dialog():
        dialogs = sao.visible(driver.find_elements(
                By.CSS_SELECTOR, '.modal.in .modal-content'))
        found = [d for d in dialogs if d != wizard
            and d.find_elements(By.CSS_SELECTOR, 'table.tree')]
        return found[-1] if found else sao.alert_text(driver)
    search = sao.wait_for(search_dialog, message="the search dialog")
    sao.check_no_alert(driver)
    sao.wait_idle(driver)
    rows = sao.wait_for(lambda: [r for r in sao.widget_rows(search)
            if number in r.text], message=f"{number} in the search dialog")
    assert len(sao.widget_rows(search)) == 1, [
        r.text for r in sao.widget_rows(search)]
    cell = [c for c in sao.visible(rows[0].find_elements(
                By.CSS_SELECTOR, ':scope > td')) if c.text.strip()][0]
    sao.click_settled(cell)
    texts = dialog_texts(search)
    sao.click_settled(search.find_element(
            By.CSS_SELECTOR, '.modal-footer .btn-primary'))
    sao.wait_closed(driver, search)
    sao.wait_for(lambda: [r for r in sao.widget_rows(wizard)
            if number in r.text], message=f"{number} in the wizard")
    return texts


def list_cells(row):
    "Texts of the visible cells of a list row that carry a column title"
    return [td.text.strip() for td in sao.visible(
            row.find_elements(By.CSS_SELECTOR, ':scope > td'))
        if td.get_attribute('data-title')]


def number(text):
    "The number a quantity or price cell shows ('1,234.5\\n副' → 1234.5)"
    match = re.search(r'-?[\d,]+(?:\.\d+)?', text)
    assert match, text
    return float(match.group().replace(',', ''))


_CURRENT_IDS_JS = """
const tab = Sao.Tab.tabs.get_current();
return tab.screen.group.map(r => r.id);
"""

_HIDE_MENU_JS = """
// desktop: the navbar's menu button folds the menu away, the list gets
// the width
const button = document.querySelector('[data-toggle="menu"]');
if (button && document.getElementById('menu').offsetParent !== null) {
    button.click();
}
"""


# --------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------

def test_consolidation(sao_login, rpc_session, doc_screenshot):
    requisitions, expected = requisitions_to_consolidate(rpc_session)
    numbers = [r['number'] for r in requisitions]
    seen = []  # texts shown, to find English ones

    # 1. 请领单整合: the buyer adds the requisitions
    driver = sao_login('buyer')
    wizard, path = open_menu_wizard(driver, MENU)
    seen.extend(path.split('/'))
    for number_ in numbers:
        seen.extend(add_requisition(driver, wizard, number_))
    shown = [sao.row_values(r) for r in sao.widget_rows(wizard)]
    assert len(shown) == len(numbers), shown
    seen.extend(dialog_texts(wizard))
    sao.check_no_alert(driver)
    doc_screenshot('consolidation-1-start')

    # 2. 计算: the review, one line per store and product
    sao.click_settled(footer_button(wizard, COMPUTE))
    sao.wait_idle(driver)
    sao.check_no_alert(driver)
    review = sao.wait_for(lambda: [d for d in sao.visible(
                driver.find_elements(By.CSS_SELECTOR,
                    '.modal.in .modal-content'))
            if d.find_elements(By.CSS_SELECTOR, '.form-one2many')],
        message="the review")[-1]
    sao.wait_for(lambda: len(sao.widget_rows(review)) == len(expected),
        message=f"{len(expected)} review lines")
    headers = [h.get_attribute('textContent').strip() for h in sao.visible(
            review.find_elements(By.CSS_SELECTOR, 'table.tree > thead th'))]
    headers = [h for h in headers if h]
    assert len(headers) == len(REVIEW_FIELDS), headers
    lines = []
    for row in sao.widget_rows(review):
        cells = list_cells(row)
        assert len(cells) == len(REVIEW_FIELDS), cells
        lines.append(dict(zip(REVIEW_FIELDS, cells)))
    for line, want in zip(
            sorted(lines, key=lambda l: (l['warehouse'], l['product'])),
            sorted(expected, key=lambda l: (
                    l['warehouse.rec_name'], l['product.rec_name']))):
        assert line['warehouse'] == want['warehouse.rec_name'], (line, want)
        assert line['product'] == want['product.rec_name'], (line, want)
        assert line['supplier'] == want['supplier.rec_name'], (line, want)
        for field in ['pending_quantity', 'stock_quantity',
                'on_order_quantity', 'quantity', 'unit_price']:
            assert number(line[field]) == pytest.approx(want[field]), (
                field, line, want)
        assert number(line['quantity']) > 0, line
    seen.extend(dialog_texts(review))
    sao.check_no_alert(driver)
    doc_screenshot('consolidation-2-review')

    # 3. 生成采购单: the orders open in a new tab, one per supplier, 草稿
    tabs = len(driver.find_elements(By.CSS_SELECTOR, '#tablist > li'))
    sao.click_settled(footer_button(review, CREATE_ORDERS))
    sao.wait_closed(driver, review)
    sao.wait_for(lambda: len(driver.find_elements(
                By.CSS_SELECTOR, '#tablist > li')) > tabs
        or sao.alert_text(driver), message="the tab of the orders")
    sao.check_no_alert(driver)
    assert sao.view_type(driver) == 'tree'
    suppliers = {l['supplier.rec_name'] for l in expected}

    def orders_listed():
        listed = sao.wait_list(driver)
        return listed if len(listed['rows']) == len(suppliers) else None
    state = sao.wait_for(orders_listed,
        message=f"{len(suppliers)} orders in the list")
    purchase_ids = driver.execute_script(_CURRENT_IDS_JS)
    rows = [sao.row_values(r) for r in sao.visible(sao.active_tab(
                driver).find_elements(By.CSS_SELECTOR,
                '.treeview table.tree > tbody > tr'))]
    rows = [r for r in rows if r]
    assert len(rows) == len(suppliers), rows
    for row in rows:
        assert set(row.values()) & suppliers, row
        assert set(row.values()) & set(DRAFT), row
    seen.append(sao.current_tab_title(driver))
    seen.extend(state['headers'])
    driver.execute_script(_HIDE_MENU_JS)
    sao.wait_idle(driver)
    sao.check_no_alert(driver)
    doc_screenshot('consolidation-3-orders')

    # What the database holds: the orders, their lines and their trace
    # back to the requisitions, read as the buyer
    buyer = rpc_session('buyer')
    purchases = buyer.model('purchase.purchase', 'read', purchase_ids,
        ['state', 'party.rec_name', 'lines'])
    assert sorted(p['party.']['rec_name'] for p in purchases) == sorted(
        suppliers)
    assert {p['state'] for p in purchases} == {'draft'}
    order_lines = buyer.model('purchase.line', 'read',
        [l for p in purchases for l in p['lines']],
        ['purchase.party.rec_name', 'product', 'quantity', 'unit_price',
            'delivery_warehouse', 'requests'])
    assert sorted((l['purchase.']['party.']['rec_name'], l['product'],
                l['delivery_warehouse'], l['quantity'],
                float(l['unit_price']['decimal']))
            for l in order_lines) == sorted(
        (l['supplier.rec_name'], l['product'], l['warehouse'],
            l['quantity'], l['unit_price']) for l in expected)
    requests = buyer.model('purchase.request', 'read',
        [r for l in order_lines for r in l['requests']],
        ['origin', 'purchase_line', 'quantity', 'state'])
    assert {r['state'] for r in requests} == {'purchased'}
    for line in order_lines:
        assert sum(r['quantity'] for r in requests
            if r['purchase_line'] == line['id']) == pytest.approx(
            line['quantity']), line
    origins = [r['origin'].split(',') for r in requests]
    assert {model for model, _ in origins} == {'med.requisition.line'}
    traced = buyer.model('med.requisition.line', 'read',
        [int(i) for _, i in origins], ['requisition.number', 'product'])
    assert {t['requisition.']['number'] for t in traced} <= set(numbers)
    ordered = buyer.model('med.requisition', 'read',
        [r['id'] for r in requisitions], ['number', 'purchases'])
    assert set().union(*(o['purchases'] for o in ordered)) == set(
        purchase_ids), ordered

    found = english(seen)
    if found:
        message = ("English labels in the zh_CN UI of 请领单整合: "
            + ' | '.join(found))
        if STRICT_CHINESE:
            pytest.fail(message)
        warnings.warn(message)
