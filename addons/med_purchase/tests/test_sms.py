"""短信通知 against a real gateway: a local HTTP server process.

The gateway (tests/sms_gateway.py) runs as its own process; the tests stop
it ("down"), make it time out, answer HTTP 500, answer {"ok": false} or a
body that is not JSON, and check that every message stays pending with its
error until it is sent, that a message is never delivered twice (the
gateway dedupes by key, and on PostgreSQL two senders never pick the same
message), and that the buyer sees what failed.  Emails go to a small SMTP
sink in the test process.

The purchase side runs as the people who do it: the buyer (采购员) makes
and withdraws orders, the purchase manager (采购主管) approves them, the
consumables administrator (耗材管理员) sets the gateway up.  The cron is the
real ir.cron record, run the way trytond-cron runs it.
"""
import datetime as dt
import email
import email.policy
import json
import subprocess
import sys
import threading
import urllib.request
from decimal import Decimal

import pytest

from trytond import backend
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import DB_NAME, drop_db
from trytond.transaction import Transaction

SIGNATURE = '【江城市第一人民医院】'
TOKEN = 's3cret-token'
TIMEOUT = 1  # seconds the client waits for the gateway
MAX_ATTEMPTS = 4


class Gateway:
    "The SMS gateway process: started, stopped, switched between modes"

    def __init__(self, state_file):
        self.state_file = str(state_file)
        self.port = 0
        self.process = None

    def start(self):
        self.process = subprocess.Popen([
                sys.executable, '-m', 'med_purchase.tests.sms_gateway',
                '--port', str(self.port), '--state-file', self.state_file,
                '--token', TOKEN],
            stdout=subprocess.PIPE, text=True)
        self.port = json.loads(self.process.stdout.readline())['port']
        return self

    def stop(self):
        "down: the process is gone, the port refuses connections"
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process.stdout.close()
            self.process = None

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    @property
    def url(self):
        return f'http://127.0.0.1:{self.port}'

    def _call(self, path, data=None):
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(data).encode() if data is not None else None,
            method='POST' if data is not None else 'GET')
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def mode(self, mode, delay=None):
        values = {'mode': mode}
        if delay is not None:
            values['delay'] = delay
        return self._call('/control', values)

    def state(self):
        return self._call('/state')

    def requests(self, key):
        return [r for r in self.state()['requests'] if r['key'] == key]

    def deliveries(self, key=None, phone=None):
        return [d for d in self.state()['deliveries']
            if (key is None or d['key'] == key)
            and (phone is None or d['phone'] == phone)]


@pytest.fixture(scope='module')
def gateway(tmp_path_factory):
    gateway = Gateway(tmp_path_factory.mktemp('sms') / 'gateway.json')
    gateway.start()
    yield gateway
    gateway.stop()


@pytest.fixture(autouse=True)
def gateway_up(gateway):
    "Each test starts with the gateway up and answering ok"
    if not gateway.running:
        gateway.start()
    gateway.mode('ok', delay=5)
    yield gateway


@pytest.fixture(scope='module')
def smtp():
    from med_purchase.tests.sms_gateway import SMTPSink
    sink = SMTPSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope='module')
def hospital(gateway, smtp):
    "The hospital, its people, a store, products, suppliers and contracts"
    import trytond.config as config
    from proteus import Model
    from trytond.modules.company.tests.tools import create_company
    from trytond.tests.tools import activate_modules, set_user

    from med_consumables_base.tests.tools import create_store, create_user

    saved = {name: config.get('email', name) for name in ['uri', 'from']}
    config.set('email', 'uri', f'smtp://127.0.0.1:{smtp.port}')
    config.set('email', 'from', 'purchase@hospital.test')

    cfg = activate_modules('med_purchase', create_company)
    h = Hospital(cfg)
    h.consumables = create_user('consumables', 'admin', name='耗材管理员')
    h.buyer = create_user('buyer', 'purchaser', name='采购员')
    h.manager = create_user('manager', 'purchase_manager', name='采购主管')

    # 短信网关设置, by the consumables administrator
    set_user(h.consumables)
    Configuration = Model.get('med.sms.configuration')
    sms_config = Configuration(1)
    assert sms_config.max_attempts == 8 and sms_config.timeout == 10
    sms_config.gateway_url = gateway.url + '/sms'
    sms_config.token = TOKEN
    sms_config.timeout = TIMEOUT
    sms_config.max_attempts = MAX_ATTEMPTS
    sms_config.signature = SIGNATURE
    sms_config.save()
    h.sms_config = sms_config

    h.central = create_store('中心库', 'ZXK', 'central')
    Uom = Model.get('product.uom')
    unit, = Uom.find([('name', '=', 'Unit')])
    Template = Model.get('product.template')

    def product(name, specification):
        template = Template(name=name, type='goods', default_uom=unit,
            list_price=Decimal('1'), specification=specification,
            purchasable=True)
        template.save()
        return template.products[0]
    h.syringe = product('一次性使用无菌注射器', '5ml')
    h.catheter = product('一次性使用导尿管', 'F14')
    h.gloves = product('一次性使用医用检查手套', 'M')

    Party = Model.get('party.party')
    h.sinopharm = Party(name='国药控股江城医疗器械有限公司',
        is_distributor=True)
    h.sinopharm.contact_mechanisms.new(type='mobile', value='13800138000')
    h.sinopharm.contact_mechanisms.new(
        type='email', value='orders@sinopharm.test')
    h.sinopharm.save()
    h.weigao = Party(name='威高医疗器械销售有限公司', is_distributor=True)
    h.weigao.contact_mechanisms.new(type='phone', value='02787654321')
    h.weigao.save()
    h.silent = Party(name='江城康宁医疗用品有限公司', is_distributor=True)
    h.silent.save()
    Catalog = Model.get('med.catalog')
    for party in [h.sinopharm, h.weigao, h.silent]:
        for product_, price in [
                (h.syringe, '0.5'), (h.catheter, '12'),
                (h.gloves, '1.25')]:
            Catalog(product=product_, distributor=party,
                contract_price=Decimal(price)).save()
    set_user(h.buyer)
    yield h

    for name, value in saved.items():
        if value is None:
            config.set('email', name)
        else:
            config.set('email', name, value)
    drop_db()


class Hospital:

    def __init__(self, config):
        self.config = config

    @staticmethod
    def as_user(user):
        from trytond.tests.tools import set_user
        set_user(user)

    def order(self, party, lines=None):
        "The buyer makes an order and sends it for approval (报审)"
        from proteus import Model
        self.as_user(self.buyer)
        Purchase = Model.get('purchase.purchase')
        purchase = Purchase(party=party, warehouse=self.central)
        for product, quantity in lines or [(self.syringe, 10)]:
            line = purchase.lines.new(product=product, quantity=quantity)
        purchase.save()
        purchase.click('quote')
        return purchase

    def approve(self, purchase):
        "采购单审核: the manager approves, which confirms"
        from proteus import Model
        self.as_user(self.manager)
        Purchase = Model.get('purchase.purchase')
        purchase = Purchase(purchase.id)
        try:
            purchase.click('approve')
        finally:
            self.as_user(self.buyer)
        purchase = Purchase(purchase.id)
        assert purchase.state in {'confirmed', 'processing'}, purchase.state
        return purchase

    def messages(self, purchase):
        "The buyer looks at the order's 短信 page"
        from proteus import Model
        Purchase = Model.get('purchase.purchase')
        purchase = Purchase(purchase.id)
        return sorted(purchase.sms_messages, key=lambda m: m.id)


def run_cron():
    "The ir.cron record, run as trytond-cron runs it (user 0)"
    with Transaction().start(
            DB_NAME, 0, context={'_skip_warnings': True}) as transaction:
        pool = Pool()
        Cron = pool.get('ir.cron')
        ModelData = pool.get('ir.model.data')
        cron = Cron(ModelData.get_id('med_purchase', 'cron_sms_send_pending'))
        assert cron.active and cron.interval_type == 'minutes'
        with transaction.set_context(_cron=cron.method):
            Cron.run_once([cron])
        transaction.commit()


def make_due(message):
    "Let the clock jump to the message's next attempt"
    with Transaction().start(DB_NAME, 0) as transaction:
        SMS = Pool().get('med.sms')
        SMS.write([SMS(message.id)], {
                'next_attempt': dt.datetime.now() - dt.timedelta(seconds=1),
                })
        transaction.commit()
    message.reload()


def mails_to(smtp, address):
    result = []
    for mail in smtp.mails:
        if any(address in r for r in mail['to']):
            result.append(email.message_from_bytes(
                    mail['data'], policy=email.policy.default))
    return result


def test_confirmation_survives_down_and_timeout_and_is_delivered_once(
        hospital, gateway, smtp):
    h = hospital
    now = dt.datetime.now()
    gateway.stop()

    purchase = h.order(h.sinopharm, [
            (h.syringe, 1000), (h.catheter, 900), (h.gloves, 836)])
    purchase = h.approve(purchase)
    assert purchase.total_amount == Decimal('12345.00')

    # Queued with the confirmation; the attempt right after the commit
    # found the gateway down
    sms, = h.messages(purchase)
    assert sms.kind == 'confirmation'
    assert sms.phone == '13800138000'
    assert sms.body == (
        f'{SIGNATURE}采购订单 {purchase.number} 已确认，共3项，'
        '金额 12,345.00 元，请按期送货至 中心库。')
    assert sms.state == 'pending'
    assert sms.attempts == 1
    assert 'cannot be reached' in sms.last_error
    assert sms.next_attempt > now
    key = sms.key

    # The email went at the commit
    mail, = mails_to(smtp, 'orders@sinopharm.test')
    assert mail['Subject'] == (
        f'{SIGNATURE}采购订单 {purchase.number} 已确认')
    assert '12,345.00' in mail.get_content()

    # The cron respects the delay: nothing is tried before next_attempt
    run_cron()
    sms.reload()
    assert (sms.state, sms.attempts) == ('pending', 1)

    # Still down when due: one more attempt, twice the delay
    make_due(sms)
    before = dt.datetime.now().replace(microsecond=0)
    run_cron()
    sms.reload()
    assert (sms.state, sms.attempts) == ('pending', 2)
    assert sms.next_attempt >= before + dt.timedelta(minutes=2)

    # Back up but too slow: the gateway takes the message, the answer is
    # lost; the message stays pending
    gateway.start()
    gateway.mode('timeout', delay=TIMEOUT + 2)
    make_due(sms)
    run_cron()
    sms.reload()
    assert (sms.state, sms.attempts) == ('pending', 3)
    assert 'did not answer within 1 seconds' in sms.last_error
    assert len(gateway.deliveries(key)) == 1

    # Healthy again: the retry carries the same key, the gateway answers
    # ok without delivering it a second time
    gateway.mode('ok')
    make_due(sms)
    run_cron()
    sms.reload()
    assert sms.state == 'sent'
    assert sms.attempts == 4
    assert sms.sent_at and not sms.last_error
    delivery, = gateway.deliveries(key)
    assert sms.gateway_reference == delivery['id']
    assert delivery['phone'] == '13800138000'
    assert delivery['message'] == sms.body
    assert delivery['signature'] == SIGNATURE
    assert [r['mode'] for r in gateway.requests(key)] == ['timeout', 'ok']
    assert len(gateway.deliveries(phone='13800138000')) == len(
        {d['key'] for d in gateway.deliveries(phone='13800138000')})

    # A sent message is never sent again
    run_cron()
    assert len(gateway.requests(key)) == 2


def test_error_answers_until_failed_then_retry(hospital, gateway):
    from proteus import Model
    from trytond.model.exceptions import AccessError
    h = hospital

    gateway.mode('error')
    purchase = h.approve(h.order(h.weigao))
    sms, = h.messages(purchase)
    assert sms.phone == '02787654321'  # no mobile: the phone number
    assert (sms.state, sms.attempts) == ('pending', 1)
    assert '余额不足' in sms.last_error

    gateway.mode('fail')
    make_due(sms)
    run_cron()
    sms.reload()
    assert (sms.state, sms.attempts) == ('pending', 2)
    assert 'HTTP 500' in sms.last_error

    gateway.mode('garbage')
    make_due(sms)
    run_cron()
    sms.reload()
    assert (sms.state, sms.attempts) == ('pending', 3)
    assert 'not understood' in sms.last_error

    # The last allowed attempt: the message is failed
    gateway.mode('fail')
    make_due(sms)
    run_cron()
    sms.reload()
    assert (sms.state, sms.attempts) == ('failed', MAX_ATTEMPTS)
    assert sms.next_attempt is None
    assert 'HTTP 500' in sms.last_error
    assert gateway.deliveries(sms.key) == []

    # The buyer's 短信发送记录 shows it under 发送失败
    SMS = Model.get('med.sms')
    ActionDomain = Model.get('ir.action.act_window.domain')
    ModelData = Model.get('ir.model.data')
    failed_tab, = ActionDomain.find([
            ('act_window', '=', ModelData.get_id(
                    'med_purchase', 'act_sms', h.config.context)),
            ('name', '=', 'Failed'),
            ])
    failed = SMS.find(PYSONDecoder().decode(failed_tab.domain))
    assert sms in failed

    # The cron leaves failed messages alone
    make_due(sms)
    run_cron()
    sms.reload()
    assert (sms.state, sms.attempts) == ('failed', MAX_ATTEMPTS)

    # The buyer cannot edit the outbox...
    with pytest.raises(AccessError):
        SMS.write([sms.id], {'phone': '13000000000'}, h.config.context)
    # ...but retries it once the gateway is fixed: sent at once
    gateway.mode('ok')
    sms.click('retry')
    sms.reload()
    assert (sms.state, sms.attempts) == ('sent', 1)
    assert len(gateway.deliveries(sms.key)) == 1


def test_cancellation_tells_the_reason(hospital, gateway, smtp):
    from proteus import Model, Wizard
    h = hospital

    purchase = h.approve(h.order(h.sinopharm, [(h.catheter, 5)]))
    confirmation, = h.messages(purchase)
    assert confirmation.state == 'sent'

    # 订单管理: 撤销订单 with a reason
    cancel = Wizard('med.purchase.cancel', [purchase])
    cancel.form.reason = '科室需求取消'
    cancel.execute('cancel_')
    purchase.reload()
    assert purchase.state == 'cancelled'
    first, cancellation = h.messages(purchase)
    assert first == confirmation
    assert cancellation.kind == 'cancellation'
    assert cancellation.state == 'sent'
    assert cancellation.body.startswith(
        f'{SIGNATURE}采购订单 {purchase.number} 已撤销，原因：科室需求取消。')
    delivery, = gateway.deliveries(cancellation.key)
    assert delivery['message'] == cancellation.body
    subjects = [m['Subject'] for m in mails_to(smtp, 'orders@sinopharm.test')]
    assert f'{SIGNATURE}采购订单 {purchase.number} 已撤销' in subjects

    # 重发通知: a new message with its own key
    purchase.click('resend_notification')
    messages = h.messages(purchase)
    assert len(messages) == 3
    resent = messages[-1]
    assert resent.kind == 'cancellation' and resent.state == 'sent'
    assert resent.key not in {confirmation.key, cancellation.key}
    assert resent.body == cancellation.body

    # A quotation withdrawn before approval was never announced
    Purchase = Model.get('purchase.purchase')
    quotation = h.order(h.sinopharm)
    cancel = Wizard('med.purchase.cancel', [quotation])
    cancel.form.reason = '重复下单'
    cancel.execute('cancel_')
    quotation = Purchase(quotation.id)
    assert quotation.state == 'cancelled'
    assert h.messages(quotation) == []


def test_supplier_without_mobile(hospital, gateway):
    from proteus import Model
    from trytond.exceptions import UserError
    h = hospital

    purchase = h.approve(h.order(h.silent))
    sms, = h.messages(purchase)
    assert sms.state == 'failed'
    assert sms.attempts == 0
    assert not sms.phone
    assert sms.last_error.startswith(
        'Supplier "江城康宁医疗用品有限公司" has no mobile phone number')
    assert gateway.requests(sms.key) == []

    with pytest.raises(UserError):
        sms.click('retry')

    # The administrator adds the supplier's mobile; the buyer retries
    h.as_user(h.consumables)
    Party = Model.get('party.party')
    party = Party(h.silent.id)
    party.contact_mechanisms.new(type='mobile', value='13900139000')
    party.save()
    h.as_user(h.buyer)
    sms.reload()
    sms.click('retry')
    sms.reload()
    assert (sms.state, sms.phone) == ('sent', '13900139000')
    delivery, = gateway.deliveries(sms.key)
    assert delivery['phone'] == '13900139000'


def test_nothing_is_sent_for_a_confirmation_that_rolls_back(
        hospital, gateway):
    from proteus import Model
    from trytond.exceptions import UserError
    h = hospital

    # The supplier's licence expired: approval fails, the whole transaction
    # is rolled back and no message exists to be sent
    h.as_user(h.consumables)
    Party = Model.get('party.party')
    party = Party(name='过期许可医疗器械有限公司', is_distributor=True)
    party.contact_mechanisms.new(type='mobile', value='13700137000')
    party.save()
    Model.get('med.catalog')(product=h.syringe, distributor=party,
        contract_price=Decimal('0.5')).save()
    Model.get('med.qualification')(party=party, kind='operation_license',
        number='鄂械经营许20200001号', issued_on=dt.date(2020, 1, 1),
        expires_on=dt.date.today() - dt.timedelta(days=1)).save()
    count = len(gateway.state()['requests'])
    purchase = h.order(party)
    with pytest.raises(UserError):
        h.approve(purchase)
    purchase.reload()
    assert purchase.state == 'quotation'
    SMS = Model.get('med.sms')
    assert SMS.find([('phone', '=', '13700137000')]) == []
    run_cron()
    assert len(gateway.state()['requests']) == count


def test_configuration_access_and_templates(hospital):
    from proteus import Model
    from trytond.model.exceptions import AccessError, ValidationError
    h = hospital
    Configuration = Model.get('med.sms.configuration')

    # The buyer neither reads the token nor changes the gateway
    with pytest.raises(AccessError):
        Configuration.read([1], ['token'], h.config.context)

    h.as_user(h.consumables)
    try:
        sms_config = Configuration(1)
        sms_config.confirmation_template = '{signature}订单 {numbr'
        with pytest.raises(ValidationError):
            sms_config.save()
    finally:
        h.as_user(h.buyer)


@pytest.mark.skipif(
    backend.name != 'postgresql',
    reason="row locks: concurrent senders run on PostgreSQL only")
def test_two_senders_never_send_the_same_message(hospital, gateway):
    """The cron on one host and a queue worker on another run at the same
    moment: each message is requested from the gateway once."""
    h = hospital
    with Transaction().start(DB_NAME, 0) as transaction:
        pool = Pool()
        SMS = pool.get('med.sms')
        Party = pool.get('party.party')
        Company = pool.get('company.company')
        company, = Company.search([])
        party = Party(h.sinopharm.id)
        messages = SMS.create([{
                    'company': company.id,
                    'party': party.id,
                    'phone': '13800138000',
                    'body': f'{SIGNATURE}并发测试 {i}',
                    } for i in range(6)])
        keys = [m.key for m in messages]
        transaction.commit()
    # Each answer takes 0.3 s: long enough for the senders to overlap
    gateway.mode('timeout', delay=0.3)

    barrier = threading.Barrier(2)
    errors = []

    def sender():
        try:
            with Transaction().start(DB_NAME, 0) as transaction:
                barrier.wait()
                Pool().get('med.sms').send_pending()
                transaction.commit()
        except Exception as error:  # pragma: no cover
            errors.append(error)
    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    for key in keys:
        assert len(gateway.requests(key)) == 1, key
        assert len(gateway.deliveries(key)) == 1, key
    with Transaction().start(DB_NAME, 0):
        SMS = Pool().get('med.sms')
        assert {m.state for m in SMS.search([('key', 'in', keys)])} == {
            'sent'}
