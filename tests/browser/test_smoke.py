"""Browser smoke tests: sao served by trytond, driven by headless Chromium.

Needs chromium + chromedriver, sao in .sao/package (scripts/install_sao.sh)
and the demo database (MED_DB, default demo) with its users (password
demo-2026, language zh_CN).
"""
import re

import pytest

import sao

_reason = sao.skip_reason()
if _reason:
    pytest.skip(f"browser smoke tests skipped: {_reason}",
        allow_module_level=True)

TOP = '医用耗材'
LOW = '低值耗材'
HIGH = '高值耗材'
BASE = '基础信息'
PRODUCT_MENU = f'{TOP}/{LOW}/{BASE}/产品信息管理'
CONSUMABLES_BASE = [
    '产品信息管理', '产品分类管理', '产品目录管理', '机构管理', '库房管理',
    '二级库房请领目录', '科室管理']
SYRINGE = '一次性使用无菌注射器'

HAN = re.compile(r'[\u4e00-\u9fff]')


def test_ward_menu(sao_login, screenshot):
    "A ward user sees its department entries, not product management"
    driver = sao_login('ward')

    assert TOP in sao.menu_texts(driver)
    children = sao.menu_children(driver, TOP)
    assert LOW in children and HIGH in children, children

    low = sao.menu_descendants(driver, f'{TOP}/{LOW}')
    assert '科室业务/科室常用目录' in low, low
    assert not [p for p in low if p.endswith('产品信息管理')], low
    assert f'{BASE}/产品信息管理' not in low
    screenshot()


def test_consumables_product_search(sao_login, screenshot):
    "The consumables manager opens product management and finds by 简码"
    driver = sao_login('consumables')

    groups = sao.menu_children(driver, f'{TOP}/{LOW}/{BASE}')
    missing = [m for m in CONSUMABLES_BASE if m not in groups]
    assert not missing, f"missing under {BASE}: {missing} (shown: {groups})"

    title = sao.open_menu(driver, PRODUCT_MENU)
    assert title and HAN.search(title), title
    headers = sao.list_headers(driver)
    assert headers, "the product list has no column headers"
    assert all(HAN.search(h) for h in headers), headers

    rows = sao.search_in_list(driver, 'zsq')
    assert any(SYRINGE in row for row in rows), rows
    screenshot()


def test_ui_language_chinese(sao_login, screenshot):
    "sao's own strings follow the user's language, zh_CN"
    driver = sao_login('consumables')

    assert (sao.page_language(driver) or '').startswith('zh'), \
        sao.page_language(driver)
    entries = sao.open_user_menu(driver)
    assert '注销' in entries, entries
    screenshot()
    sao.close_user_menu(driver)
