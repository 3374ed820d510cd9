# 短信通知: the med.sms outbox and the HTTP gateway it is sent through.
#
# A message is queued in the transaction of the business action (confirm,
# cancel) and sent only after that transaction is committed: by an ir.queue
# task pushed with it, and by the cron every minute.  Nothing is sent for an
# order whose transaction rolls back, and nothing is lost when the gateway is
# down: the message stays pending and is retried with an exponential delay
# until the configured number of attempts, then it is failed and waits for
# a buyer to retry it.  Every attempt carries the message's idempotency key,
# so a gateway that received the message but whose answer was lost (a
# timeout) does not deliver it twice.
import datetime as dt
import http.client
import json
import logging
import socket
import urllib.error
import urllib.request
import uuid
from email.message import EmailMessage

from sql import Null

import trytond.config as config
from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSingleton, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.sendmail import send_message_transactional
from trytond.tools import reduce_ids
from trytond.transaction import Transaction, without_check_access

from .exceptions import SMSError

logger = logging.getLogger(__name__)

# What the supplier reads; the hospital can reword it in 短信网关设置.
DEFAULT_CONFIRMATION = (
    "{signature}采购订单 {number} 已确认，共{lines}项，金额 {amount} 元，"
    "请按期送货至 {warehouses}。")
DEFAULT_CANCELLATION = (
    "{signature}采购订单 {number} 已撤销，原因：{reason}。请勿送货，"
    "已备货请与采购员联系。")
TEMPLATE_SAMPLE = {
    'signature': '【医院】', 'number': 'PO0001', 'supplier': '供应商',
    'lines': 1, 'amount': '1.00', 'warehouses': '中心库', 'reason': '原因',
    'date': '2026-01-01',
    }
SEND_BATCH = 100


class GatewayError(Exception):
    "The gateway did not take the message"

    def __init__(self, message, unreachable=False):
        super().__init__(message)
        self.message = message
        # No answer at all: the next messages would wait for nothing too
        self.unreachable = unreachable


class HTTPGateway:
    """POST {"key", "phone", "message", "signature"} as JSON.

    The gateway takes the message when it answers 2xx with a JSON object
    whose "ok" is true (optionally with its own "id").  Anything else raises
    GatewayError with a message for the buyer.  Another gateway protocol is
    another class with the same send()."""

    def __init__(self, url, token=None, timeout=10):
        self.url = url
        self.token = token
        self.timeout = timeout

    def send(self, key, phone, message, signature=None):
        data = json.dumps({
                'key': key,
                'phone': phone,
                'message': message,
                'signature': signature or '',
                }, ensure_ascii=False).encode('utf-8')
        request = urllib.request.Request(
            self.url, data=data, method='POST', headers={
                'Content-Type': 'application/json; charset=utf-8',
                'Accept': 'application/json',
                'Idempotency-Key': key,
                })
        if self.token:
            request.add_header('Authorization', f'Bearer {self.token}')
        try:
            with urllib.request.urlopen(
                    request, timeout=self.timeout) as response:
                status = response.status
                body = response.read(65536)
        except urllib.error.HTTPError as error:
            try:
                body = error.read(2048)
            except Exception:
                body = b''
            raise GatewayError(gettext(
                    'med_purchase.msg_sms_gateway_http',
                    status=error.code, body=_excerpt(body)))
        except (TimeoutError, socket.timeout):
            raise GatewayError(gettext(
                    'med_purchase.msg_sms_gateway_timeout',
                    timeout=self.timeout), unreachable=True)
        except urllib.error.URLError as error:
            if isinstance(error.reason, (TimeoutError, socket.timeout)):
                raise GatewayError(gettext(
                        'med_purchase.msg_sms_gateway_timeout',
                        timeout=self.timeout), unreachable=True)
            raise GatewayError(gettext(
                    'med_purchase.msg_sms_gateway_unreachable',
                    error=error.reason), unreachable=True)
        except (OSError, http.client.HTTPException, ValueError) as error:
            # Connection reset, malformed answer, bad URL
            raise GatewayError(gettext(
                    'med_purchase.msg_sms_gateway_unreachable',
                    error=repr(error)), unreachable=True)
        if not 200 <= status < 300:
            raise GatewayError(gettext(
                    'med_purchase.msg_sms_gateway_http',
                    status=status, body=_excerpt(body)))
        try:
            answer = json.loads(body.decode('utf-8'))
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or 'ok' not in answer:
            raise GatewayError(gettext(
                    'med_purchase.msg_sms_gateway_bad_answer',
                    body=_excerpt(body)))
        if answer['ok'] is not True:
            raise GatewayError(gettext(
                    'med_purchase.msg_sms_gateway_refused',
                    error=answer.get('error') or _excerpt(body)))
        reference = answer.get('id')
        return str(reference) if reference is not None else None


def _excerpt(body, size=200):
    text = body.decode('utf-8', 'replace') if isinstance(body, bytes) else (
        str(body))
    text = ' '.join(text.split())
    return text if len(text) <= size else text[:size] + '…'


class Configuration(ModelSingleton, ModelSQL, ModelView):
    "短信网关设置"
    __name__ = 'med.sms.configuration'
    __string__ = "SMS Gateway Configuration"
    gateway_url = fields.Char(
        "Gateway URL",
        help="The gateway's HTTP(S) address; messages are POSTed to it as "
        "JSON. Leave empty to keep messages pending.")
    token = fields.Char(
        "Token", strip=True,
        help="Sent as \"Authorization: Bearer <token>\".")
    timeout = fields.Integer(
        "Timeout", required=True,
        domain=[('timeout', '>', 0)],
        help="Seconds to wait for the gateway's answer.")
    max_attempts = fields.Integer(
        "Maximum Attempts", required=True,
        domain=[('max_attempts', '>', 0)],
        help="After this many failed attempts the message is marked failed "
        "and waits for a buyer to retry it.")
    retry_delay = fields.Integer(
        "Retry Delay", required=True,
        domain=[('retry_delay', '>', 0)],
        help="Minutes before the first retry; the delay doubles after each "
        "failed attempt.")
    retry_delay_max = fields.Integer(
        "Maximum Retry Delay", required=True,
        domain=[('retry_delay_max', '>=', Eval('retry_delay', 0))],
        help="Minutes: the doubling delay never exceeds this.")
    signature = fields.Char(
        "Signature",
        help="The sender's name in brackets at the start of every message, "
        "e.g. 【江城市第一人民医院】. Empty: the company's name.")
    confirmation_template = fields.Text(
        "Confirmation Message", required=True,
        help="Placeholders: {signature} {number} {supplier} {lines} "
        "{amount} {warehouses} {date}.")
    cancellation_template = fields.Text(
        "Cancellation Message", required=True,
        help="Placeholders: {signature} {number} {supplier} {lines} "
        "{amount} {warehouses} {date} {reason}.")

    @classmethod
    def default_timeout(cls):
        return 10

    @classmethod
    def default_max_attempts(cls):
        return 8

    @classmethod
    def default_retry_delay(cls):
        return 1

    @classmethod
    def default_retry_delay_max(cls):
        return 60

    @classmethod
    def default_confirmation_template(cls):
        return DEFAULT_CONFIRMATION

    @classmethod
    def default_cancellation_template(cls):
        return DEFAULT_CANCELLATION

    @classmethod
    def validate_fields(cls, configurations, field_names):
        super().validate_fields(configurations, field_names)
        for configuration in configurations:
            for name in ['confirmation_template', 'cancellation_template']:
                template = getattr(configuration, name)
                try:
                    template.format(**TEMPLATE_SAMPLE)
                except (KeyError, IndexError, ValueError, AttributeError):
                    raise SMSError(gettext(
                            'med_purchase.msg_sms_template_invalid',
                            template=template,
                            field=cls.__names__(name)['field']))

    def get_gateway(self):
        "The gateway to send through, None when none is configured"
        if self.gateway_url:
            return HTTPGateway(
                self.gateway_url, self.token, self.timeout or 10)

    def get_signature(self, company=None):
        if self.signature:
            return self.signature
        if company is None:
            company_id = Transaction().context.get('company')
            if company_id is not None and company_id >= 0:
                company = Pool().get('company.company')(company_id)
        if company:
            return f'【{company.party.name}】'
        return ''

    def render(self, kind, values):
        template = {
            'confirmation': self.confirmation_template,
            'cancellation': self.cancellation_template,
            }[kind]
        values = dict(values)
        values.setdefault('signature', self.get_signature(
                values.pop('company', None)))
        return template.format_map(_Missing(values))

    def retry_after(self, attempts):
        "The delay before the next attempt once attempts have failed"
        minutes = (self.retry_delay or 1) * 2 ** max(attempts - 1, 0)
        return dt.timedelta(minutes=min(
                minutes, self.retry_delay_max or minutes))


class _Missing(dict):
    "A placeholder without a value stays visible instead of failing"

    def __missing__(self, key):
        return '{%s}' % key


class SMS(Workflow, ModelSQL, ModelView):
    "短信发送记录"
    __name__ = 'med.sms'
    __string__ = "SMS Message"
    _rec_name = 'key'
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    party = fields.Many2One(
        'party.party', "Recipient", readonly=True, ondelete='RESTRICT',
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    phone = fields.Char("Phone", readonly=True)
    email = fields.Char(
        "Email", readonly=True,
        help="The address the same notice was also emailed to.")
    body = fields.Text("Message", required=True, readonly=True)
    kind = fields.Selection([
            (None, ""),
            ('confirmation', "Order Confirmed"),
            ('cancellation', "Order Cancelled"),
            ], "Kind", readonly=True)
    origin = fields.Reference(
        "Origin", selection='get_origin', readonly=True)
    key = fields.Char(
        "Key", required=True, readonly=True,
        help="Sent with every attempt so the gateway delivers the message "
        "only once.")
    state = fields.Selection([
            ('pending', "Pending"),
            ('sent', "Sent"),
            ('failed', "Failed"),
            ], "State", required=True, readonly=True, sort=False)
    attempts = fields.Integer("Attempts", required=True, readonly=True)
    next_attempt = fields.DateTime(
        "Next Attempt", readonly=True,
        states={
            'invisible': Eval('state') != 'pending',
            })
    last_error = fields.Text(
        "Last Error", readonly=True,
        states={
            'invisible': ~Eval('last_error'),
            })
    sent_at = fields.DateTime(
        "Sent At", readonly=True,
        states={
            'invisible': Eval('state') != 'sent',
            })
    gateway_reference = fields.Char(
        "Gateway Reference", readonly=True,
        states={
            'invisible': ~Eval('gateway_reference'),
            })

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('key_unique', Unique(t, t.key),
                'med_purchase.msg_sms_key_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.next_attempt, Index.Range()),
                    where=t.state == 'pending'),
                Index(t, (t.origin, Index.Equality())),
                })
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('pending', 'sent'),
            ('pending', 'failed'),
            ('failed', 'pending'),
            }
        cls._buttons.update({
                'retry': {
                    'invisible': Eval('state') != 'failed',
                    'icon': 'tryton-refresh',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_key(cls):
        return uuid.uuid4().hex

    @classmethod
    def default_state(cls):
        return 'pending'

    @classmethod
    def default_attempts(cls):
        return 0

    @classmethod
    def default_next_attempt(cls):
        return dt.datetime.now()

    @classmethod
    def _get_origin(cls):
        return ['purchase.purchase']

    @classmethod
    def get_origin(cls):
        IrModel = Pool().get('ir.model')
        return [(None, '')] + [
            (m, IrModel.get_name(m)) for m in cls._get_origin()]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('state') == 'failed', 'danger',
                    If((Eval('state') == 'pending') & Bool(Eval('last_error')),
                        'warning',
                        If(Eval('state') == 'sent', 'success', '')))),
            ]

    @classmethod
    def copy(cls, messages, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('key', None)
        default.setdefault('state', None)
        default.setdefault('attempts', None)
        default.setdefault('next_attempt', None)
        default.setdefault('last_error', None)
        default.setdefault('sent_at', None)
        default.setdefault('gateway_reference', None)
        return super().copy(messages, default=default)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            for name in ['key', 'state', 'attempts', 'next_attempt']:
                if values.get(name) is None:
                    values[name] = getattr(cls, f'default_{name}')()
        return values

    @staticmethod
    def find_phone(party):
        "The party's mobile number, else its phone number"
        if not party:
            return None
        for type_ in ['mobile', 'phone']:
            mechanism = party.contact_mechanism_get({type_})
            if mechanism and (mechanism.value_compact or mechanism.value):
                return mechanism.value_compact or mechanism.value

    @staticmethod
    def find_email(party):
        if not party:
            return None
        mechanism = party.contact_mechanism_get({'email'})
        if mechanism and mechanism.value:
            return mechanism.value

    @classmethod
    def notify(cls, notices):
        """Queue an SMS (and an email when the party has an address) per
        notice, a dict with party, body, origin, and optionally kind, company
        and subject.  Sending happens after the transaction is committed."""
        with without_check_access():
            messages = cls.create([cls._notice_values(n) for n in notices])
            # The buyer sees why the supplier was not told
            cls.mark_failed([m for m in messages if not m.phone])
            emails = [(m, n.get('subject')) for m, n in zip(messages, notices)
                if m.email]
            for message, subject in emails:
                message.send_email(subject)
            pending = [m for m in messages if m.phone]
            if pending:
                cls.__queue__.send(pending)
        return messages

    @classmethod
    def _notice_values(cls, notice):
        party = notice['party']
        values = {
            'party': party.id,
            'body': notice['body'],
            'kind': notice.get('kind'),
            'origin': str(notice['origin']) if notice.get('origin') else None,
            'phone': cls.find_phone(party),
            'email': cls.find_email(party),
            }
        if notice.get('company'):
            values['company'] = notice['company'].id
        if not values['phone']:
            values['next_attempt'] = None
            values['last_error'] = gettext(
                'med_purchase.msg_sms_no_phone', party=party.rec_name)
        return values

    def send_email(self, subject=None):
        "Email the notice when the transaction commits (best effort)"
        message = EmailMessage()
        message['From'] = config.get('email', 'from')
        message['To'] = self.email
        message['Subject'] = subject or self.body.split('，', 1)[0]
        message.set_content(self.body)
        send_message_transactional(message)

    @classmethod
    @ModelView.button
    @Workflow.transition('pending')
    def retry(cls, messages):
        "Try a failed message again, with the same key"
        for message in messages:
            if not message.phone:
                message.phone = cls.find_phone(message.party)
                if not message.phone:
                    raise SMSError(gettext(
                            'med_purchase.msg_sms_no_phone',
                            party=message.party.rec_name
                            if message.party else ''))
            message.attempts = 0
            message.next_attempt = dt.datetime.now()
        cls.save(messages)
        if messages:
            cls.__queue__.send(messages)

    @classmethod
    def send_pending(cls):
        "Cron: send the pending messages whose attempt is due"
        cls.send()

    @classmethod
    def _lock_due(cls, messages=None):
        """The pending messages due now, locked for this transaction.

        Another sender (the cron on another host, a queue worker) skips the
        rows locked here instead of sending the same message twice."""
        transaction = Transaction()
        database = transaction.database
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        where = ((table.state == 'pending')
            & ((table.next_attempt == Null)
                | (table.next_attempt <= dt.datetime.now())))
        if messages is not None:
            ids = [m.id for m in messages]
            if not ids:
                return []
            where &= reduce_ids(table.id, ids)
        query = table.select(
            table.id, where=where,
            order_by=[table.next_attempt.asc, table.id.asc],
            limit=SEND_BATCH)
        if database.has_select_for():
            For = database.get_select_for_skip_locked()
            query.for_ = For('UPDATE')
        cursor.execute(*query)
        return cls.browse([i for i, in cursor])

    @classmethod
    def send(cls, messages=None):
        """Send the due pending messages (all of them when messages is None)
        and record the outcome of each attempt."""
        pool = Pool()
        Configuration = pool.get('med.sms.configuration')
        with without_check_access():
            messages = cls._lock_due(messages)
            if not messages:
                return
            configuration = Configuration(1)
            gateway = configuration.get_gateway()
            if not gateway:
                error = gettext('med_purchase.msg_sms_not_configured')
                cls.write(
                    [m for m in messages if m.last_error != error],
                    {'last_error': error})
                return
            done, sent, failed = [], [], []
            for message in messages:
                signature = configuration.get_signature(message.company)
                try:
                    # The error is read by the buyer who queued the message
                    with Transaction().set_context(
                            language=message.language):
                        reference = gateway.send(
                            message.key, message.phone, message.body,
                            signature)
                except GatewayError as error:
                    if message._record_failure(error.message, configuration):
                        failed.append(message)
                    done.append(message)
                    logger.info(
                        "SMS %s to %s not sent: %s",
                        message.key, message.phone, error.message)
                    if error.unreachable:
                        # The others would wait for the same timeout; they
                        # keep their turn for the next run.
                        break
                else:
                    sent.append(message)
                    message.sent_at = dt.datetime.now()
                    message.attempts += 1
                    message.next_attempt = None
                    message.last_error = None
                    message.gateway_reference = reference
                    done.append(message)
            cls.save(done)
            cls.mark_sent(sent)
            cls.mark_failed(failed)

    @classmethod
    @Workflow.transition('sent')
    def mark_sent(cls, messages):
        "The gateway accepted the message (no button: the sender)"
        pass

    @classmethod
    @Workflow.transition('failed')
    def mark_failed(cls, messages):
        "No phone, or the last attempt failed (no button: the sender)"
        pass

    @property
    def language(self):
        user = self.create_uid
        if user and user.language:
            return user.language.code
        return Transaction().language

    def _record_failure(self, error, configuration):
        "Record the failed attempt; True when it was the last one"
        self.attempts += 1
        self.last_error = error
        if self.attempts >= configuration.max_attempts:
            self.next_attempt = None
            return True
        else:
            self.next_attempt = (
                dt.datetime.now() + configuration.retry_after(self.attempts))
            return False


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('med.sms|send_pending', "Send Pending SMS"))
