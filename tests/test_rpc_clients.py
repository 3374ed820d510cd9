"""External clients (the HIS, a script) against a real trytond process.

What docs/rpc.md promises, checked over the wire: log in with
``common.db.login``, read the context from ``res.user.get_preferences``, call
``med.barcode.parse`` with a raw GS1 scan — over XML-RPC with the printable
GS substitute (XML 1.0 cannot carry 0x1d), over JSON-RPC with the real
character — and get a UserError fault for an unreadable code.

The database is a file (SQLite) or a new database (PostgreSQL) of its own:
the server is another process, it cannot share the suite's ``:memory:``.
"""
import base64
import datetime
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
import xmlrpc.client
from pathlib import Path

import pytest

PASSWORD = 'demo-2026'
GTIN = '06901234567892'
# ]d2 (GS1 DataMatrix) 01 GTIN 17 expiry 10 lot <GS> 21 serial
RAW = ']d201' + GTIN + '17281200' + '10B2026031' + '\x1d' + '21SN0001'

SETUP = textwrap.dedent('''
    from decimal import Decimal
    from proteus import Model
    from trytond.modules.company.tests.tools import create_company
    from trytond.tests.tools import activate_modules, set_user
    from med_consumables_base.tests.tools import create_user

    config = activate_modules('med_consumables_base', create_company)
    keeper = create_user('keeper', 'warehouse')
    keeper.password = %(password)r
    keeper.save()
    Uom = Model.get('product.uom')
    unit, = Uom.find([('name', '=', 'Unit')])
    Template = Model.get('product.template')
    syringe = Template(name='Syringe', type='goods', default_uom=unit,
        list_price=Decimal('0.8'))
    syringe.products[0].identifiers.new(type='gs1_di', code=%(gtin)r)
    syringe.save()
    ''') % {'password': PASSWORD, 'gtin': GTIN}


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _trytond():
    local = Path(sys.executable).parent / 'trytond'
    return [str(local)] if local.exists() else [
        sys.executable, '-m', 'trytond.bin.trytond']


@pytest.fixture(scope='module')
def server():
    "(base URL, database name) of a trytond serving its own database"
    uri = os.environ.get('TRYTOND_DATABASE__URI', 'sqlite://')
    name = 'test_rpc_%d_%d' % (time.time(), os.getpid())
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, DB_NAME=name, TRYTOND_DATABASE__URI=uri,
            TRYTOND_DATABASE__PATH=tmp)
        subprocess.run(
            [sys.executable, '-c', SETUP], env=env, check=True, cwd=tmp,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        port = _free_port()
        config = Path(tmp) / 'trytond.conf'
        config.write_text(
            f'[database]\nuri = {uri}\npath = {tmp}\n'
            f'[web]\nlisten = 127.0.0.1:{port}\n')
        server_env = dict(env)
        server_env.pop('TRYTOND_WEB__ROOT', None)
        log = open(Path(tmp) / 'trytond.log', 'wb')
        process = subprocess.Popen(
            _trytond() + ['-c', str(config), '-d', name], env=server_env,
            cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
        base = f'http://127.0.0.1:{port}'
        try:
            deadline = time.time() + 60
            while True:
                try:
                    urllib.request.urlopen(base + '/', timeout=2)
                    break
                except urllib.error.HTTPError:
                    break
                except OSError:
                    if process.poll() is not None or time.time() > deadline:
                        raise RuntimeError(
                            (Path(tmp) / 'trytond.log').read_text())
                    time.sleep(0.3)
            yield base, name
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
            if uri.startswith('postgresql'):
                subprocess.run(
                    [sys.executable, '-c',
                        'from trytond.tests.test_tryton import drop_db; '
                        'drop_db()'],
                    env=env, cwd=tmp, check=True)


class _SessionTransport(xmlrpc.client.Transport):
    "Sends Tryton's 'Session' authorization on every call"

    def __init__(self, token):
        super().__init__()
        self._token = token

    def send_headers(self, connection, headers):
        headers = list(headers) + [
            ('Authorization', 'Session ' + self._token)]
        super().send_headers(connection, headers)

    def parse_response(self, response):
        # keeps the body: what travels is checked, not only what this
        # process's xmlrpc.client makes of it
        body = response.read()
        if response.getheader('Content-Encoding', '') == 'gzip':
            body = xmlrpc.client.gzip_decode(body)
        self.last_body = body
        parser, unmarshaller = self.getparser()
        parser.feed(self.last_body)
        parser.close()
        return unmarshaller.close()


def _token(login, user_id, session):
    return base64.b64encode(
        f'{login}:{user_id}:{session}'.encode()).decode()


def test_xmlrpc(server):
    base, name = server
    url = f'{base}/{name}/rpc/'
    anonymous = xmlrpc.client.ServerProxy(url)
    user_id, session, _ = anonymous.common.db.login(
        'keeper', {'password': PASSWORD}, 'en')
    transport = _SessionTransport(_token('keeper', user_id, session))
    proxy = xmlrpc.client.ServerProxy(
        url, use_builtin_types=True, transport=transport)
    preferences = proxy.model.res.user.get_preferences(True, {})
    context = {k: preferences[k] for k in ['company', 'employee', 'language']
        if preferences.get(k) is not None}
    assert context['company'] and context['employee']

    # The real GS cannot be sent: XML 1.0 forbids the character, the
    # server refuses the request as malformed XML (HTTP 400)
    with pytest.raises(xmlrpc.client.ProtocolError) as info:
        proxy.model.med.barcode.parse(RAW, context)
    assert info.value.errcode == 400

    for substitute in ['<GS>', '\u241d']:
        result = proxy.model.med.barcode.parse(
            RAW.replace('\x1d', substitute), context)
        assert result['di'] == GTIN
        assert result['lot'] == 'B2026031'
        assert result['serial'] == 'SN0001'
        # a date travels as a struct with __class__ 'date' ...
        assert re.search(
            rb'<name>__class__</name>\s*<value><string>date</string>',
            transport.last_body)
        # ... which a plain client reads as that struct; trytond, once
        # imported (as in this suite), teaches xmlrpc.client to make it a date
        expiry = result['expiry_date']
        if 'trytond.protocols.xmlrpc' in sys.modules:
            assert expiry == datetime.date(2028, 12, 31)
        else:
            assert expiry == {
                '__class__': 'date', 'year': 2028, 'month': 12, 'day': 31}
        assert result['product_name'] == 'Syringe'

    with pytest.raises(xmlrpc.client.Fault) as info:
        proxy.model.med.barcode.parse('hello', context)
    assert info.value.faultCode == 1  # UserError
    assert 'hello' in info.value.faultString


def _jsonrpc(url, method, params, token=None):
    headers = {'Content-Type': 'application/json'}
    if token:
        headers['Authorization'] = 'Session ' + token
    request = urllib.request.Request(url, data=json.dumps(
            {'id': 1, 'method': method, 'params': params}).encode(),
        headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_jsonrpc(server):
    base, name = server
    url = f'{base}/{name}/rpc/'
    answer = _jsonrpc(url, 'common.db.login',
        ['keeper', {'password': PASSWORD}, 'en'])
    user_id, session, _ = answer['result']
    token = _token('keeper', user_id, session)
    preferences = _jsonrpc(
        url, 'model.res.user.get_preferences', [True, {}], token)['result']
    context = {k: preferences[k] for k in ['company', 'employee', 'language']
        if preferences.get(k) is not None}

    # The real GS travels in JSON (as \\u001d)
    result = _jsonrpc(
        url, 'model.med.barcode.parse', [RAW, context], token)['result']
    assert result['di'] == GTIN
    assert result['serial'] == 'SN0001'
    assert result['expiry_date'] == {
        '__class__': 'date', 'year': 2028, 'month': 12, 'day': 31}

    error = _jsonrpc(
        url, 'model.med.barcode.parse', ['hello', context], token)['error']
    assert error[0] == 'UserError'
