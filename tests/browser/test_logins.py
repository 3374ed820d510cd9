"""Every demo login works over JSON-RPC and sees its own Chinese menus.

Runs against the same served demo database as the browser smoke tests
(fixture trytond_server), without a browser: one login per role is cheap.
"""
import base64
import json
import urllib.request

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


def rpc(url, method, params, auth=None):
    request = urllib.request.Request(url, data=json.dumps({
                'id': 1, 'method': method, 'params': params}).encode(),
        headers={'Content-Type': 'application/json'})
    if auth:
        request.add_header('Authorization', 'Session ' + auth)
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    if answer.get('error'):
        raise AssertionError(f"{method}: {answer['error']}")
    return answer['result']


@pytest.mark.parametrize('login', sorted(EXPECTED))
def test_login_menus(trytond_server, db_name, login):
    url = f'{trytond_server}/{db_name}/rpc/'
    user_id, session, *_ = rpc(url, 'common.db.login',
        [login, {'password': PASSWORD}, 'zh_CN'])
    auth = base64.b64encode(
        f'{login}:{user_id}:{session}'.encode()).decode()
    preferences = rpc(url, 'model.res.user.get_preferences', [True, {}],
        auth)
    assert preferences['language'] == 'zh_CN'
    context = {'language': 'zh_CN'}
    menus = rpc(url, 'model.ir.ui.menu.search_read',
        [[], 0, None, None, ['complete_name'], context], auth)
    names = {m['complete_name'] for m in menus}
    ours = {n.split(' / ')[-1] for n in names if n.startswith(TOP + ' / ')}
    visible, hidden = EXPECTED[login]
    assert visible <= ours, (login, visible - ours)
    assert not (hidden & ours), (login, hidden & ours)
    # A role with nothing under 医用耗材 must not see an empty folder.
    if not visible:
        assert not ours, (login, ours)
