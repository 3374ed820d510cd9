"""Every demo login works over JSON-RPC and sees its own Chinese menus.

Runs against the same served demo database as the browser smoke tests
(fixture trytond_server), without a browser: one login per role is cheap.
"""
import pytest

import sao

_reason = sao.database_missing() or sao.sao_missing()
if _reason:
    pytest.skip(f"login tests skipped: {_reason}", allow_module_level=True)

PASSWORD = 'demo-2026'
TOP = '医用耗材'

# login → (menus that must be visible, menus that must not be)
EXPECTED = {
    'admin': ({'产品信息管理', '科室管理'}, set()),
    'ward': ({'二级库房请领目录', '科室常用目录'}, {'产品信息管理', '机构管理'}),
    'ward_head': ({'科室常用目录'}, {'产品信息管理'}),
    'ortho': ({'科室常用目录'}, {'产品信息管理', '库房管理'}),
    'keeper': ({'产品信息管理', '库房管理'}, {'科室管理', '科室常用目录'}),
    'keeper_head': ({'库房管理'}, {'科室管理'}),
    'buyer': ({'产品目录管理', '机构管理'}, {'库房管理', '科室常用目录'}),
    'buyer_head': ({'产品目录管理'}, {'科室常用目录'}),
    'finance': ({'产品目录管理', '机构管理'}, {'库房管理', '科室常用目录'}),
    'consumables': ({'产品信息管理', '产品分类管理', '产品目录管理', '机构管理',
            '库房管理', '科室管理', '二级库房请领目录'}, set()),
    'his': (set(), {'产品信息管理', '科室常用目录', '库房管理'}),
    'ops': (set(), {'产品信息管理', '科室常用目录', '库房管理'}),
    }


@pytest.mark.parametrize('login', sorted(EXPECTED))
def test_login_menus(trytond_server, db_name, login):
    session = sao.RpcSession(trytond_server, db_name, login, PASSWORD)
    # the user's preferences, as sao reads them after login
    assert session.context['language'] == 'zh_CN'
    menus = session('model.ir.ui.menu.search_read',
        [], 0, None, None, ['complete_name'], {'language': 'zh_CN'})
    names = {m['complete_name'] for m in menus}
    ours = {n.split(' / ')[-1] for n in names if n.startswith(TOP + ' / ')}
    visible, hidden = EXPECTED[login]
    assert visible <= ours, (login, visible - ours)
    assert not (hidden & ours), (login, hidden & ours)
    # A role with nothing under 医用耗材 must not see an empty folder.
    if not visible:
        assert not ours, (login, ours)
