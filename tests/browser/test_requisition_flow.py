"""请领 → 审核 → 出库 → 入库: one department requisition driven through sao.

The ward nurse (ward, 心内科) makes and submits a requisition, the head of
the department (ward_head) approves it, the keeper (keeper) issues it from
the 中心库 and ships the issue, and the nurse confirms its receipt.  Every
step checks the Chinese state the form shows; at the end JSON-RPC checks
what the database holds.

The requisition is new on every run (found again by its number) and asks
for a product the department may still receive, so the test passes again
on a database it already ran on.  Screenshots: docs/screenshots/
requisition-*.png (docs/browser-tests.md).
"""
import re
import uuid

import pytest

import sao

_reason = sao.skip_reason()
if _reason:
    pytest.skip(f"browser tests skipped: {_reason}", allow_module_level=True)

LOW = '医用耗材/低值耗材'
DEPARTMENT_MENU = f'{LOW}/科室业务'
WAREHOUSE_MENU = f'{LOW}/库房业务'
DEPARTMENT = '心内科'
SUPPLYING_STORE = '中心库'
QUANTITY = 5


def pick_product(session):
    """Code of a low-value product of 心内科's requisition catalogue that the
    中心库 holds (in lots neither expired nor near expiry, so that the issue
    neither refuses nor asks) and of which the department may still
    receive QUANTITY without going over the catalogue's maximum"""
    department, = session.model('med.department', 'search_read',
        [('name', '=', DEPARTMENT)], 0, None, None,
        ['warehouse', 'supply_warehouse'])
    entries = session.model('med.department.catalog', 'search_read', [
            ('department', '=', department['id']),
            ('product.code', 'like', 'DZ%'),
            ], 0, None, None, ['product', 'max_quantity'])
    product_ids = [e['product'] for e in entries]

    def quantities(location):
        context = dict(session.context, locations=[location],
            with_childs=True)
        return {p['id']: p for p in session('model.product.product.read',
                product_ids, ['code', 'quantity'], context)}
    held = quantities(department['warehouse'])
    available = quantities(department['supply_warehouse'])
    doubtful = {lot['product'] for lot in session.model(
            'stock.lot', 'search_read', [
                ('product', 'in', product_ids),
                ('expiry_state', 'in', ['near', 'expired']),
                ], 0, None, None, ['product'])}
    candidates = []
    for entry in entries:
        product = entry['product']
        room = entry['max_quantity'] - held[product]['quantity'] \
            if entry['max_quantity'] is not None else float('inf')
        if (product not in doubtful and room >= QUANTITY
                and available[product]['quantity'] >= QUANTITY):
            candidates.append((-room, held[product]['code']))
    if not candidates:
        pytest.fail(f"no product of {DEPARTMENT}'s catalogue can be "
            f"requested ({QUANTITY}) and issued: rebuild the demo database")
    return min(candidates)[1]


def test_requisition_flow(sao_login, rpc_session, doc_screenshot):
    ward_rpc = rpc_session('ward')
    code = pick_product(ward_rpc)
    marker = f'browser-test {uuid.uuid4().hex[:12]}'

    # 1. The nurse makes the requisition: 请领单制作
    driver = sao_login('ward')
    assert sao.open_menu(driver, f'{DEPARTMENT_MENU}/请领单制作') == '请领单制作'
    sao.new_record(driver)
    assert sao.field_value(driver, 'department') == DEPARTMENT
    assert SUPPLYING_STORE in sao.field_value(driver, 'warehouse')
    assert sao.field_value(driver, 'state') == '草稿'
    sao.notebook_page(driver, '备注')
    sao.set_field(driver, 'comment', marker)
    sao.notebook_page(driver, '明细')
    lines = sao.one2many_new(driver, '明细')
    sao.fill_many2one(
        driver, sao.field_element(driver, 'product', where=lines), code)
    line, = sao.widget_rows(sao.one2many(driver, '明细'))
    sao.edit_cell(driver, line, '请领数量', QUANTITY)
    sao.save(driver)
    number = sao.field_value(driver, 'number')
    assert re.fullmatch(r'QL\d{6}\d+', number), number
    line, = sao.widget_rows(sao.one2many(driver, '明细'))
    values = sao.row_values(line)
    assert code in values['产品'], values
    assert values['请领数量'].startswith(str(QUANTITY)), values
    assert sao.field_value(driver, 'state') == '草稿'
    doc_screenshot('requisition-1-draft')

    assert sao.click_button(driver, 'submit') == '上报'
    sao.wait_field_value(driver, 'state', '已上报')
    doc_screenshot('requisition-2-submitted')
    sao.logout(driver)

    # 2. The head of the department approves: 请领单审核
    sao_login('ward_head')
    assert sao.open_menu(driver, f'{DEPARTMENT_MENU}/请领单审核') == '请领单审核'
    sao.select_list_tab(driver, '待审核')
    assert [r for r in sao.search_in_list(driver, number) if number in r]
    sao.open_row(driver, number)
    assert sao.field_value(driver, 'state') == '已上报'
    assert sao.click_button(driver, 'approve') == '审核'
    sao.wait_field_value(driver, 'state', '已审核')
    doc_screenshot('requisition-3-approved')
    sao.logout(driver)

    # 3. The keeper issues it (按请领出库), then packs and ships the issue
    # (出库单制作): the stock leaves the 中心库 for the transit location
    sao_login('keeper')
    assert sao.open_menu(driver, f'{WAREHOUSE_MENU}/按请领出库') == '按请领出库'
    sao.select_list_tab(driver, '待出库')
    assert [r for r in sao.search_in_list(driver, number) if number in r]
    sao.open_row(driver, number)
    assert sao.field_value(driver, 'state') == '已审核'
    assert sao.click_button(driver, 'process') == '出库'
    sao.wait_field_value(driver, 'state', '出库中')
    sao.notebook_page(driver, '出库单')
    issue, = sao.widget_rows(sao.one2many(driver, '出库单'))
    assert sao.row_values(issue).get('状态') == '已分配', sao.row_values(issue)
    doc_screenshot('requisition-4-issued')

    assert sao.open_menu(driver, f'{WAREHOUSE_MENU}/出库单制作') == '出库单制作'
    sao.select_list_tab(driver, '已分配')
    assert [r for r in sao.search_in_list(driver, number) if number in r]
    sao.open_row(driver, number)
    assert sao.field_value(driver, 'reference') == number
    assert sao.field_value(driver, 'state') == '已分配'
    assert sao.click_button(driver, 'pack') == '打包'
    sao.wait_field_value(driver, 'state', '已打包')
    assert sao.click_button(driver, 'ship') == '发出'
    sao.wait_field_value(driver, 'state', '已发出')
    doc_screenshot('requisition-5-shipped')
    sao.logout(driver)

    # 4. The nurse confirms what arrived: 按请领入库 and its wizard
    sao_login('ward')
    assert sao.open_menu(driver, f'{DEPARTMENT_MENU}/按请领入库') == '按请领入库'
    sao.select_list_tab(driver, '待接收')
    assert [r for r in sao.search_in_list(driver, number) if number in r]
    sao.open_row(driver, number)
    assert sao.field_value(driver, 'state') == '已发出'
    assert sao.click_button(driver, 'department_receive') == '确认入库'
    wizard = sao.wait_dialog(driver)
    received = [sao.row_values(r) for r in sao.widget_rows(wizard)]
    assert received and all(code in r['产品'] for r in received), received
    assert sum(float(r['实收数量'].split()[0]) for r in received) == QUANTITY
    doc_screenshot('requisition-6-receive')
    sao.dialog_button(driver, '确认入库')
    sao.wait_closed(driver, wizard)
    sao.wait_field_value(driver, 'state', '已完成')
    doc_screenshot('requisition-7-received')

    assert sao.open_menu(driver, f'{DEPARTMENT_MENU}/请领单制作') == '请领单制作'
    sao.select_list_tab(driver, '全部')
    sao.search_in_list(driver, number)
    row, = sao.list_row_elements(driver, number)
    assert sao.row_values(row)['状态'] == '已完成', sao.row_values(row)
    sao.open_row(driver, number)
    assert sao.field_value(driver, 'state') == '已完成'
    line, = sao.widget_rows(sao.one2many(driver, '明细'))
    assert sao.row_values(line)['已入库数量'].startswith(str(QUANTITY))
    doc_screenshot('requisition-8-done')

    # What the database holds
    requisition, = ward_rpc.model('med.requisition', 'search_read',
        [('number', '=', number)], 0, None, None,
        ['state', 'comment', 'department.name', 'approved_by.rec_name',
            'lines', 'shipments'])
    assert requisition['state'] == 'done'
    assert requisition['comment'] == marker
    assert requisition['department.']['name'] == DEPARTMENT
    assert requisition['approved_by.']['rec_name'] == '张建国'
    lines = ward_rpc.model('med.requisition.line', 'read',
        requisition['lines'], ['product.code', 'quantity',
            'received_quantity', 'pending_quantity'])
    assert [(l['product.']['code'], l['quantity'], l['received_quantity'],
            l['pending_quantity']) for l in lines] == [
        (code, QUANTITY, QUANTITY, 0)]
    shipments = ward_rpc.model('stock.shipment.internal', 'read',
        requisition['shipments'], ['state', 'reference'])
    assert [(s['state'], s['reference']) for s in shipments] == [
        ('done', number)]
