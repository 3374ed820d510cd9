# 订单通知: the supplier is told by SMS (and email) when an order is
# confirmed and when a confirmed order is cancelled.  The messages are
# queued in med.sms within the same transaction and sent after it is
# committed (see sms.py).
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import without_check_access

CONFIRMED = {'confirmed', 'processing', 'done'}
SUBJECTS = {
    'confirmation': "{signature}采购订单 {number} 已确认",
    'cancellation': "{signature}采购订单 {number} 已撤销",
    }


class Purchase(metaclass=PoolMeta):
    __name__ = 'purchase.purchase'
    sms_messages = fields.One2Many(
        'med.sms', 'origin', "SMS Messages", readonly=True,
        order=[('create_date', 'DESC'), ('id', 'DESC')])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'resend_notification': {
                    'invisible': ~(
                        Eval('state').in_(['confirmed', 'processing'])
                        | ((Eval('state') == 'cancelled')
                            & Bool(Eval('approved_at')))),
                    'icon': 'tryton-email',
                    'depends': ['state', 'approved_at'],
                    },
                })

    @classmethod
    def copy(cls, purchases, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('sms_messages', None)
        return super().copy(purchases, default=default)

    @classmethod
    def confirm(cls, purchases):
        before = {p.id: p.state for p in purchases}
        super().confirm(purchases)
        cls.notify_supplier([p for p in cls.browse(list(before))
                if before[p.id] not in CONFIRMED and p.state in CONFIRMED],
            'confirmation')

    @classmethod
    def cancel(cls, purchases):
        before = {p.id: p.state for p in purchases}
        super().cancel(purchases)
        # A quotation the supplier never saw confirmed needs no notice
        cls.notify_supplier([p for p in cls.browse(list(before))
                if before[p.id] in CONFIRMED and p.state == 'cancelled'],
            'cancellation')

    @classmethod
    @ModelView.button
    def resend_notification(cls, purchases):
        "订单管理: 重发通知 — a new message with a new key"
        cls.notify_supplier(
            [p for p in purchases if p.state in CONFIRMED - {'done'}],
            'confirmation')
        cls.notify_supplier(
            [p for p in purchases
                if p.state == 'cancelled' and p.approved_at],
            'cancellation')

    @classmethod
    def notify_supplier(cls, purchases, kind):
        pool = Pool()
        SMS = pool.get('med.sms')
        Configuration = pool.get('med.sms.configuration')
        if not purchases:
            return []
        with without_check_access():
            configuration = Configuration(1)
            notices = []
            for purchase in purchases:
                values = purchase.get_notification_values(kind)
                values['signature'] = configuration.get_signature(
                    purchase.company)
                notices.append({
                        'party': purchase.party,
                        'company': purchase.company,
                        'origin': purchase,
                        'kind': kind,
                        'body': configuration.render(kind, values),
                        'subject': SUBJECTS[kind].format(**values),
                        })
            return SMS.notify(notices)

    def get_notification_values(self, kind):
        "The placeholders of the SMS templates"
        lines = [l for l in self.lines if l.type == 'line']
        warehouses = sorted({
                (l.warehouse or self.warehouse).name for l in lines
                if l.warehouse or self.warehouse})
        if not warehouses and self.warehouse:
            warehouses = [self.warehouse.name]
        return {
            'number': self.number or self.rec_name,
            'supplier': self.party.rec_name,
            'lines': len(lines),
            'amount': f'{self.total_amount or 0:,.2f}',
            'warehouses': '、'.join(warehouses),
            'date': (self.purchase_date.isoformat()
                if self.purchase_date else ''),
            'reason': (getattr(self, 'cancel_reason', None) or '').strip(),
            }
