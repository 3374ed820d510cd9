# This file is part of the medical consumables management system.
"""Parse UDI (医疗器械唯一标识) barcodes: GS1 and MA (IDcode).

Pure Python, no trytond import: :func:`parse` takes the text a scanner sent
and returns a dict with ``scheme``, ``di``, ``lot``, ``serial``,
``production_date`` and ``expiry_date``. It raises :class:`UDIError` and
nothing else.

GS1 (through biip)
    * human readable form ``(01)06901234567892(17)271231(10)LOT1(21)SN9``
      (whitespace inside is ignored);
    * raw form, with FNC1 sent as ASCII GS ``\\x1d``, the literal ``<GS>`` or
      the control picture ``\\u241d``;
    * optionally preceded by an AIM symbology identifier (``]C1``, ``]d2``,
      ``]Q3``, ``]e0``...), which is dropped;
    * a bare GTIN-13 or GTIN-14 (the DI alone, from a box label).
    AIs 01 (GTIN, check digit verified, required), 10 lot, 11 production
    date, 17 expiry date, 21 serial are read; other valid AIs are accepted
    and ignored. YYMMDD dates use the GS1 century window; day ``00`` is the
    last day of the month. ``di`` is always the 14-digit GTIN.

MA (中关村工信二维码技术研究院, IDcode)
    ``MA.<country 3 digits>.M0.<registrant 6 digits>.<product code>``
    followed by data segments, each ``.`` + one upper-case letter + value:

    ====  ===============================  ==========================
    .L    批号 lot                          returned as ``lot``
    .S    序列号 serial                     returned as ``serial``
    .M    生产日期 production date          ``production_date``
    .E    失效日期 expiry date              ``expiry_date``
    .V    有效期 (use-by date)              ``expiry_date`` if no .E
    .D    灭菌批号 sterilisation lot        validated, not returned
    .C    other / check data                validated, not returned
    ====  ===============================  ==========================

    The product code is one or more dot-separated all-digit parts (the DI
    ends at the first part starting with a letter). Its check character
    is not verified (the algorithm is not published). ``.D`` is the
    sterilisation batch in the MA UDI coding manual, not a date, so it never
    stands in for ``.M``. Dates are ``YYMMDD`` or ``YYYYMMDD``, day ``00`` =
    last day of the month. Values are ASCII letters, digits and ``-``. An
    unknown letter, a lower-case letter, a repeated segment, an empty value
    or a bad date is an error.
"""
import calendar
import datetime as dt
import re
import unicodedata

__all__ = ['UDIError', 'ERROR_KEYS', 'parse', 'display_code']

# Every key with the params its error always carries (the ir.message texts
# msg_barcode_<key> may use any of them).
ERROR_KEYS = {
    'empty': ('code', 'value'),
    'unknown_format': ('code', 'value'),
    'gs1_invalid': ('code', 'value'),
    'gs1_check_digit': ('code', 'value'),
    'gs1_date': ('code', 'value', 'ai'),
    'gs1_no_di': ('code', 'value'),
    'ma_invalid': ('code', 'value'),
    'ma_segment': ('code', 'value'),
    'ma_date': ('code', 'value'),
    }

MAX_LENGTH = 1000
_DISPLAY_LENGTH = 80

GS = '\x1d'
_DATE_AIS = {'11': 'production_date', '17': 'expiry_date'}
_TEXT_AIS = {'10': 'lot', '21': 'serial'}

_SYMBOLOGY_RE = re.compile(r'\][A-Za-z][0-9A-Za-z]')
_GS_RE = re.compile(r'<GS>|\u241d', re.IGNORECASE)
_DIGITS_RE = re.compile(r'[0-9]+', re.ASCII)
_HRI_ELEMENT_RE = re.compile(r'\(([0-9]{2,4})\)([^()]*)', re.ASCII)
_MA_VALUE_RE = re.compile(r'[0-9A-Za-z-]+', re.ASCII)
_MA_SEGMENTS = {
    'L': 'lot',
    'S': 'serial',
    'M': 'production_date',
    'E': 'expiry_date',
    'V': 'validity_date',
    'D': 'sterilization_lot',
    'C': 'other',
    }
_MA_DATE_SEGMENTS = {'M', 'E', 'V'}


class UDIError(ValueError):
    "A scanned code that is not a readable GS1 or MA UDI"

    def __init__(self, key, **params):
        assert key in ERROR_KEYS, key
        self.key = key
        self.params = params
        super().__init__(key, params)

    def __str__(self):
        return '%s: %s' % (self.key, self.params)


def display_code(code):
    "The code as it can be shown to a user"
    code = code.replace(GS, '<GS>')
    code = ''.join(c if c.isprintable() else '?' for c in code)
    if len(code) > _DISPLAY_LENGTH:
        code = code[:_DISPLAY_LENGTH] + '…'
    return code


def _error(key, code, value='', **params):
    return UDIError(
        key, code=display_code(code), value=display_code(value), **params)


def _empty_result(scheme):
    return {
        'scheme': scheme,
        'di': None,
        'lot': None,
        'serial': None,
        'production_date': None,
        'expiry_date': None,
        }


def _century(year2, today=None):
    "GS1 General Specifications 7.12: 49 years back, 50 years ahead"
    current = (today or dt.date.today()).year
    century = current - current % 100
    diff = year2 - current % 100
    if 51 <= diff <= 99:
        return century - 100
    if -99 <= diff <= -50:
        return century + 100
    return century


def _date(value):
    """Return the date of YYMMDD or YYYYMMDD (day 00 = last day of the month)
    or None when it is not a date"""
    if not _DIGITS_RE.fullmatch(value) or len(value) not in {6, 8}:
        return None
    if len(value) == 6:
        year = int(value[:2])
        year += _century(year)
    else:
        year = int(value[:4])
    month, day = int(value[-4:-2]), int(value[-2:])
    if not 1 <= month <= 12 or year < 1:
        return None
    if day == 0:
        day = calendar.monthrange(year, month)[1]
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _gtin_check_digit(payload):
    total = sum(
        int(d) * (3 if i % 2 == 0 else 1)
        for i, d in enumerate(reversed(payload)))
    return (10 - total % 10) % 10


def parse(code):
    """Parse a scanned UDI and return a dict

    keys: scheme ('gs1' or 'ma'), di, lot, serial, production_date,
    expiry_date (datetime.date or None)
    """
    if code is None:
        raise _error('empty', '')
    if not isinstance(code, str):
        raise _error('unknown_format', str(code))
    if len(code) > 2 * MAX_LENGTH:
        raise _error('unknown_format', code)
    # Full-width characters come from Chinese input methods
    text = unicodedata.normalize('NFKC', code).strip()
    if not text:
        raise _error('empty', code)
    if len(text) > MAX_LENGTH:
        raise _error('unknown_format', text)
    original = text
    text = _GS_RE.sub(GS, text)
    # AIM symbology identifier (]C1 GS1-128, ]d2 GS1 DataMatrix, ]Q3 GS1 QR,
    # ]e0 GS1 DataBar, ]E0 EAN-13, ]d1/]Q1 plain DataMatrix/QR for MA, ...)
    if _SYMBOLOGY_RE.match(text):
        text = text[3:]
    # A leading FNC1 (some scanners send it as GS) and trailing separators
    text = text.strip(GS + ' \t\r\n')
    if not text:
        raise _error('empty', original)

    if text[:3].upper() == 'MA.':
        scheme, parser = 'ma', _parse_ma
    elif text.startswith('('):
        scheme, parser = 'gs1', _parse_gs1_hri
    elif _DIGITS_RE.fullmatch(text) and len(text) in {13, 14}:
        scheme, parser = 'gs1', _parse_gtin
    elif _DIGITS_RE.match(text):
        scheme, parser = 'gs1', _parse_gs1_raw
    else:
        raise _error('unknown_format', original)
    try:
        return parser(text, original)
    except UDIError:
        raise
    except Exception:
        # Never let a library error escape: whatever it is, the code is bad
        raise _error('%s_invalid' % scheme, original, text)


# GS1

def _biip_config():
    from biip import ParseConfig
    return ParseConfig(
        gs1_element_strings_verify_date=True, separator_chars=(GS,))


def _check_gtin(value, original):
    "Return value as GTIN-14 or raise"
    if not _DIGITS_RE.fullmatch(value) or len(value) not in {13, 14}:
        raise _error('gs1_invalid', original, value)
    if _gtin_check_digit(value[:-1]) != int(value[-1]):
        raise _error('gs1_check_digit', original, value)
    from biip import ParseError
    from biip.gtin import Gtin
    try:
        Gtin.parse(value, config=_biip_config())
    except ParseError:
        raise _error('gs1_invalid', original, value)
    return value.zfill(14)


def _parse_gtin(value, original):
    result = _empty_result('gs1')
    result['di'] = _check_gtin(value, original)
    return result


def _parse_gs1_raw(text, original):
    return _gs1_result(_gs1_raw_elements(text, original), original)


def _parse_gs1_hri(text, original):
    return _gs1_result(_gs1_hri_elements(text, original), original)


def _check_date_ai(ai, data, original, shown):
    """Classify a date AI before biip: a truncated value is gs1_invalid,
    an impossible date (271341, 270231) is gs1_date"""
    raw = data[:6]
    if len(raw) < 6 or not _DIGITS_RE.fullmatch(raw):
        raise _error('gs1_invalid', original, shown)
    if _date(raw) is None:
        raise _error('gs1_date', original, raw, ai=ai)


def _gs1_raw_elements(text, original):
    "Return the list of biip element strings of a raw GS1 message"
    from biip import ParseError
    from biip.gs1_application_identifiers import GS1ApplicationIdentifier
    from biip.gs1_element_strings import GS1ElementString

    config = _biip_config()
    elements = []
    rest = text
    while rest:
        try:
            ai = GS1ApplicationIdentifier.extract(rest).ai
            if ai in _DATE_AIS:
                _check_date_ai(ai, rest[len(ai):], original, rest)
            element = GS1ElementString.extract(rest, config=config)
        except UDIError:
            raise
        except (ParseError, ValueError, LookupError):
            raise _error('gs1_invalid', original, rest)
        length = len(element)
        if length <= 0:
            raise _error('gs1_invalid', original, rest)
        elements.append(element)
        rest = rest[length:]
        if rest and not rest.startswith(GS) and element.ai.separator_required:
            # biip stops variable-length values at their maximum length
            raise _error('gs1_invalid', original, rest)
        rest = rest.lstrip(GS)
    return elements


def _gs1_hri_elements(text, original):
    "Return the list of biip element strings of a GS1 HRI '(AI)value...'"
    from biip import ParseError
    from biip.gs1_element_strings import GS1ElementString

    config = _biip_config()
    # GS1 values never contain whitespace nor GS
    text = ''.join(text.split()).replace(GS, '')
    elements = []
    pos = 0
    while pos < len(text):
        match = _HRI_ELEMENT_RE.match(text, pos)
        if not match:
            raise _error('gs1_invalid', original, text[pos:])
        ai, data = match.groups()
        shown = match.group(0)
        if not data:
            raise _error('gs1_invalid', original, shown)
        if ai in _DATE_AIS:
            _check_date_ai(ai, data, original, shown)
        try:
            element = GS1ElementString.parse(ai + data, config=config)
        except (ParseError, ValueError, LookupError):
            raise _error('gs1_invalid', original, shown)
        if element.ai.ai != ai:
            raise _error('gs1_invalid', original, shown)
        elements.append(element)
        pos = match.end()
    return elements


def _gs1_result(elements, original):
    result = _empty_result('gs1')
    seen = {}
    for element in elements:
        ai, value = element.ai.ai, element.value
        if seen.setdefault(ai, value) != value:
            # The same AI twice with different values
            raise _error('gs1_invalid', original, '(%s)%s' % (ai, value))
        if ai == '01':
            result['di'] = _check_gtin(value, original)
        elif ai in _DATE_AIS:
            if element.date is None:
                raise _error('gs1_date', original, value, ai=ai)
            result[_DATE_AIS[ai]] = element.date
        elif ai in _TEXT_AIS:
            result[_TEXT_AIS[ai]] = value
    if not result['di']:
        raise _error('gs1_no_di', original)
    return result


# MA

def _parse_ma(text, original):
    parts = text.split('.')
    # MA . country . M0 . registrant . product code part(s)
    if (len(parts) < 5
            or parts[0] != 'MA'
            or not (_DIGITS_RE.fullmatch(parts[1]) and len(parts[1]) == 3)
            or parts[2] != 'M0'
            or not (_DIGITS_RE.fullmatch(parts[3]) and len(parts[3]) == 6)):
        raise _error('ma_invalid', original, '.'.join(parts[:4]))
    index = 4
    while index < len(parts) and _DIGITS_RE.fullmatch(parts[index]):
        index += 1
    if index == 4:
        raise _error('ma_invalid', original, parts[4])
    result = _empty_result('ma')
    result['di'] = '.'.join(parts[:index])
    values = {}
    for part in parts[index:]:
        shown = '.' + part
        if not part:
            raise _error('ma_invalid', original, shown)
        letter, value = part[0], part[1:]
        if (letter not in _MA_SEGMENTS
                or letter in values
                or not _MA_VALUE_RE.fullmatch(value)):
            raise _error('ma_segment', original, shown)
        if letter in _MA_DATE_SEGMENTS:
            date = _date(value)
            if date is None:
                raise _error('ma_date', original, shown)
            value = date
        values[letter] = value
    result['lot'] = values.get('L')
    result['serial'] = values.get('S')
    result['production_date'] = values.get('M')
    result['expiry_date'] = values.get('E', values.get('V'))
    return result
