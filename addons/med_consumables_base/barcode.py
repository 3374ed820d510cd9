# This file is part of the medical consumables management system.
"""UDI barcode scanning: ``med.barcode.parse`` / ``med.barcode.lookup``.

The parsing itself is in :mod:`.udi` (pure Python, biip for GS1); this model
only exposes it over RPC, turns its errors into translated
:class:`BarcodeError` and finds the product from the DI (``product.identifier``
of type ``gs1_di`` or ``ma_di``; for a GTIN-14 starting with ``0`` the EAN-13
form is tried too).

MA (IDcode) segment choices, following the MA UDI coding manual:
``.L`` lot, ``.S`` serial, ``.M`` production date, ``.E`` expiry date,
``.V`` 有效期 = use-by date, used as expiry date only when ``.E`` is missing,
``.D`` 灭菌批号 = sterilisation batch (NOT a date: it never replaces ``.M``;
validated but not returned), ``.C`` other data (validated, not returned).
Dates are YYMMDD or YYYYMMDD, day 00 = last day of the month. Unknown,
lower-case, repeated or empty segments are errors (key ``ma_segment``).
"""
import logging

from trytond.i18n import gettext
from trytond.model import Model
from trytond.pool import Pool
from trytond.rpc import RPC

from . import udi
from .exceptions import BarcodeError

__all__ = ['Barcode']

logger = logging.getLogger(__name__)

DI_TYPES = ['gs1_di', 'ma_di']


class Barcode(Model):
    "UDI Barcode"
    __name__ = 'med.barcode'
    __string__ = "UDI Barcode"

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__.update({
                'parse': RPC(readonly=True),
                'lookup': RPC(readonly=True),
                })

    @classmethod
    def _parse_udi(cls, code):
        "Return the dict of udi.parse or raise BarcodeError"
        try:
            return udi.parse(code)
        except udi.UDIError as exception:
            raise BarcodeError(gettext(
                    'med_consumables_base.msg_barcode_%s' % exception.key,
                    **exception.params)) from exception
        except Exception as exception:
            # udi.parse only raises UDIError; this is a safety net so that
            # the RPC never shows a traceback for a scanned code.
            logger.exception("unexpected error parsing barcode %r", code)
            raise BarcodeError(gettext(
                    'med_consumables_base.msg_barcode_unknown_format',
                    code=udi.display_code(
                        code if isinstance(code, str) else ''),
                    value='')) from exception

    @classmethod
    def _di_codes(cls, result):
        "The identifier codes that may hold the DI, best first"
        di = result['di']
        codes = [di]
        if result['scheme'] == 'gs1' and len(di) == 14 and di.startswith('0'):
            codes.append(di[1:])
        return codes

    @classmethod
    def _find_product(cls, result):
        "Return the product.product of the parsed code or None"
        pool = Pool()
        Identifier = pool.get('product.identifier')
        codes = cls._di_codes(result)
        identifiers = Identifier.search([
                ('code', 'in', codes),
                ('type', 'in', DI_TYPES),
                ])
        if not identifiers:
            return None
        identifiers.sort(key=lambda i: (codes.index(i.code), i.id))
        return identifiers[0].product

    @classmethod
    def parse(cls, code):
        """Parse a scanned UDI (GS1 or MA) and find its product

        Return a dict with scheme, di, lot, serial, production_date,
        expiry_date, product (id or None) and product_name (or None).
        """
        result = cls._parse_udi(code)
        product = cls._find_product(result)
        result['product'] = product.id if product else None
        result['product_name'] = product.rec_name if product else None
        return result

    @classmethod
    def lookup(cls, code):
        "Like parse but the product must be known"
        result = cls.parse(code)
        if result['product'] is None:
            raise BarcodeError(gettext(
                    'med_consumables_base.msg_barcode_unknown_di',
                    code=udi.display_code(code.strip()),
                    di=result['di']))
        return result
