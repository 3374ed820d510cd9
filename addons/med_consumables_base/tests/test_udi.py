# This file is part of the medical consumables management system.
"Table tests of the UDI parser (no database)"
import datetime as dt
import os
import random
import re
import xml.etree.ElementTree as ET

import pytest
from stdnum import ean

from .. import udi
from ..udi import UDIError

D = dt.date
GS = '\x1d'


def gtin(payload):
    "payload + its GS1 check digit"
    return payload + ean.calc_check_digit(payload)


def wrong(code):
    "code with a wrong check digit"
    return code[:-1] + str((int(code[-1]) + 1) % 10)


# 一次性使用无菌注射器 (EAN-13 on the single unit, GTIN-14 on the case)
EAN13 = gtin('692345678901')
GTIN = '0' + EAN13
GTIN_CASE = gtin('1692345678901')
# 一次性使用静脉留置针
GTIN2 = gtin('0697123450012')


def test_gtin_constants():
    assert EAN13 == '6923456789012'
    assert GTIN == '06923456789012'
    assert GTIN_CASE == '16923456789019'
    assert GTIN2 == '06971234500120'
    assert wrong(GTIN) == '06923456789013'


def R(scheme, di, lot=None, serial=None, production=None, expiry=None):
    return {
        'scheme': scheme,
        'di': di,
        'lot': lot,
        'serial': serial,
        'production_date': production,
        'expiry_date': expiry,
        }


VALID_GS1 = [
    # parenthesised HRI, all AIs
    ('(01)%s(11)240301(17)270228(10)2403015(21)SN0001' % GTIN,
        R('gs1', GTIN, '2403015', 'SN0001', D(2024, 3, 1), D(2027, 2, 28))),
    # brief example layout, lot then serial
    ('(01)%s(17)271231(10)LOT1(21)SN9' % GTIN,
        R('gs1', GTIN, 'LOT1', 'SN9', None, D(2027, 12, 31))),
    # HRI with spaces as printed under the barcode
    ('(01) %s (17) 271231 (10) A-23/7' % GTIN2,
        R('gs1', GTIN2, 'A-23/7', None, None, D(2027, 12, 31))),
    # HRI, full-width parentheses typed with a Chinese input method
    ('（01）%s（10）B2405' % GTIN,
        R('gs1', GTIN, 'B2405')),
    # raw with ASCII GS after the variable-length lot
    ('01%s11240301172803311020240301%s21000123' % (GTIN, GS),
        R('gs1', GTIN, '20240301', '000123', D(2024, 3, 1), D(2028, 3, 31))),
    # raw, the serial first then the lot
    ('01%s17260630' '21SN77%s10L88' % (GTIN_CASE, GS),
        R('gs1', GTIN_CASE, 'L88', 'SN77', None, D(2026, 6, 30))),
    # raw with the literal <GS> some scanner drivers emit (any case)
    ('01%s10L2403<GS>21S1<gs>17270101' % GTIN,
        R('gs1', GTIN, 'L2403', 'S1', None, D(2027, 1, 1))),
    # raw with the control picture character
    ('01%s10L1\u241d21S2' % GTIN, R('gs1', GTIN, 'L1', 'S2')),
    # ]C1 GS1-128
    (']C101%s17290131' '10X9' % GTIN,
        R('gs1', GTIN, 'X9', None, None, D(2029, 1, 31))),
    # ]d2 GS1 DataMatrix, leading FNC1 as GS and trailing CR LF
    (']d2%s01%s1124112210K0123%s21ABC\r\n' % (GS, GTIN2, GS),
        R('gs1', GTIN2, 'K0123', 'ABC', D(2024, 11, 22))),
    # ]Q3 GS1 QR
    (']Q301%s21SN-1' % GTIN, R('gs1', GTIN, serial='SN-1')),
    # ]e0 GS1 DataBar
    (']e001%s17271231' % GTIN,
        R('gs1', GTIN, expiry=D(2027, 12, 31))),
    # day 00 = last day of the month (also for leap years)
    ('(01)%s(11)240200(17)270200' % GTIN,
        R('gs1', GTIN, production=D(2024, 2, 29), expiry=D(2027, 2, 28))),
    ('01%s17281200' % GTIN, R('gs1', GTIN, expiry=D(2028, 12, 31))),
    # other valid AIs are accepted and ignored ((240), (30))
    ('(01)%s(240)ZSQ-5ML(30)100(17)270131' % GTIN,
        R('gs1', GTIN, expiry=D(2027, 1, 31))),
    # the same AI twice with the same value is harmless
    ('(01)%s(01)%s' % (GTIN, GTIN), R('gs1', GTIN)),
    # bare GTIN-14 and EAN-13 (DI only, box label); di is always GTIN-14
    (GTIN, R('gs1', GTIN)),
    (GTIN_CASE, R('gs1', GTIN_CASE)),
    (EAN13, R('gs1', GTIN)),
    (']E0' + EAN13, R('gs1', GTIN)),
    (' %s\n' % EAN13, R('gs1', GTIN)),
    ]


VALID_MA = [
    ('MA.156.M0.100001.0000001.L20240301.E271231.S000123',
        R('ma', 'MA.156.M0.100001.0000001', '20240301', '000123',
            None, D(2027, 12, 31))),
    # DI only
    ('MA.156.M0.100001.0000001', R('ma', 'MA.156.M0.100001.0000001')),
    # 8-digit product code (packaging + item + check), all segments
    ('MA.156.M0.100325.10012347.M240315.E20290314.LB240315-2.S0000458'
        '.D2403M1.C7',
        R('ma', 'MA.156.M0.100325.10012347', 'B240315-2', '0000458',
            D(2024, 3, 15), D(2029, 3, 14))),
    # day 00 = last day of the month, 6 and 8 digits
    ('MA.156.M0.100001.0000001.M240200.E20280200',
        R('ma', 'MA.156.M0.100001.0000001',
            production=D(2024, 2, 29), expiry=D(2028, 2, 29))),
    # .V (有效期) is the expiry date when there is no .E
    ('MA.156.M0.100001.0000001.V270630',
        R('ma', 'MA.156.M0.100001.0000001', expiry=D(2027, 6, 30))),
    # .E wins over .V
    ('MA.156.M0.100001.0000001.V270630.E270531',
        R('ma', 'MA.156.M0.100001.0000001', expiry=D(2027, 5, 31))),
    # .D is the sterilisation batch, never a production date
    ('MA.156.M0.100001.0000001.D240301.L1',
        R('ma', 'MA.156.M0.100001.0000001', lot='1')),
    # multi-part product code, segments in any order
    ('MA.156.M0.100001.1000001.2.S9.L8',
        R('ma', 'MA.156.M0.100001.1000001.2', lot='8', serial='9')),
    # QR/DataMatrix symbology identifier and scanner whitespace
    (']Q1MA.156.M0.100001.0000001.L7\r\n',
        R('ma', 'MA.156.M0.100001.0000001', lot='7')),
    ('  ]d1MA.156.M0.100001.0000001.S5 ',
        R('ma', 'MA.156.M0.100001.0000001', serial='5')),
    # full-width characters from a Chinese input method
    ('ＭＡ.156.M0.100001.0000001.L３',
        R('ma', 'MA.156.M0.100001.0000001', lot='3')),
    ]


@pytest.mark.parametrize('code,expected', VALID_GS1 + VALID_MA)
def test_valid(code, expected):
    result = udi.parse(code)
    assert result == expected
    for key in ['production_date', 'expiry_date']:
        assert result[key] is None or type(result[key]) is dt.date


INVALID = [
    # empty
    ('', 'empty', ''),
    ('   ', 'empty', ''),
    ('\r\n', 'empty', ''),
    (None, 'empty', ''),
    (GS, 'empty', ''),
    (']C1', 'empty', ''),
    (']d2' + GS + '\n', 'empty', ''),
    # unknown format
    ('hello', 'unknown_format', ''),
    ('注射器', 'unknown_format', ''),
    ('https://udi.example.cn/01/%s' % GTIN, 'unknown_format', ''),
    (']X', 'unknown_format', ''),
    ('C1403012340000000000000000', 'unknown_format', ''),
    (1234567890123, 'unknown_format', ''),
    (['01', GTIN], 'unknown_format', ''),
    ('0' * 1001, 'unknown_format', ''),
    # wrong GTIN check digit
    (wrong(GTIN), 'gs1_check_digit', wrong(GTIN)),
    (wrong(EAN13), 'gs1_check_digit', wrong(EAN13)),
    (wrong(GTIN_CASE), 'gs1_check_digit', wrong(GTIN_CASE)),
    ('(01)%s(17)271231' % wrong(GTIN), 'gs1_check_digit', wrong(GTIN)),
    ('01%s10L1' % wrong(GTIN2), 'gs1_check_digit', wrong(GTIN2)),
    (']d201%s' % wrong(GTIN2), 'gs1_check_digit', wrong(GTIN2)),
    # impossible dates
    ('(01)%s(17)271341' % GTIN, 'gs1_date', '271341'),
    ('(01)%s(17)271300' % GTIN, 'gs1_date', '271300'),
    ('(01)%s(11)250229' % GTIN, 'gs1_date', '250229'),
    ('01%s17270230' % GTIN, 'gs1_date', '270230'),
    ('01%s11240001' % GTIN, 'gs1_date', '240001'),
    # truncated element strings, missing values, unknown AIs
    ('01' + GTIN[:-1], 'gs1_invalid', '01' + GTIN[:-1]),
    ('01%s172712' % GTIN, 'gs1_invalid', '172712'),
    ('01%s17' % GTIN, 'gs1_invalid', '17'),
    ('01%s1' % GTIN, 'gs1_invalid', '1'),
    ('(01)%s(17)2712' % GTIN, 'gs1_invalid', '(17)2712'),
    ('(01)%s(17)27123A' % GTIN, 'gs1_invalid', '(17)27123A'),
    ('(01)%s' % GTIN[:-1], 'gs1_invalid', '(01)%s' % GTIN[:-1]),
    ('(01)%s(10)' % GTIN, 'gs1_invalid', '(10)'),
    ('(01)%s(10)(21)SN9' % GTIN, 'gs1_invalid', '(10)'),
    ('(01)%s(21)' % GTIN, 'gs1_invalid', '(21)'),
    ('(01)', 'gs1_invalid', '(01)'),
    ('(01)%s(9)12' % GTIN, 'gs1_invalid', '(9)12'),
    ('(01)%s(23)12' % GTIN, 'gs1_invalid', '(23)12'),
    ('(01)%s10L1' % GTIN, 'gs1_invalid', '(01)%s10L1' % GTIN),
    ('(01)%s)(10)L1' % GTIN, 'gs1_invalid', ')(10)L1'),
    ('x(01)%s' % GTIN, 'unknown_format', ''),
    ('01%s10%s21SN9' % (GTIN, GS), 'gs1_invalid', '10<GS>21SN9'),
    ('01%s10L1%s%s21' % (GTIN, GS, GS), 'gs1_invalid', '21'),
    ('01%s10ABCDEFGHIJKLMNOPQRSTU' % GTIN, 'gs1_invalid', 'U'),
    ('01%s10L1 21SN9' % GTIN, 'gs1_invalid', ' 21SN9'),
    ('01%s23X' % GTIN, 'gs1_invalid', '23X'),
    ('(01)%s(01)%s' % (GTIN, GTIN2), 'gs1_invalid', '(01)%s' % GTIN2),
    # no DI
    ('(17)271231(10)A', 'gs1_no_di', ''),
    ('1727123110A', 'gs1_no_di', ''),
    (']C11724123110L5', 'gs1_no_di', ''),
    # MA: bad DI
    ('MA.156.M0', 'ma_invalid', 'MA.156.M0'),
    ('MA.156.M0.100001', 'ma_invalid', 'MA.156.M0.100001'),
    ('MA.156.M0.100001.L1', 'ma_invalid', 'L1'),
    ('MA.156.X0.100001.0000001', 'ma_invalid', 'MA.156.X0.100001'),
    ('MA.15.M0.100001.0000001', 'ma_invalid', 'MA.15.M0.100001'),
    ('MA.156.M0.10001.0000001', 'ma_invalid', 'MA.156.M0.10001'),
    ('MA.156.M0.A00001.0000001', 'ma_invalid', 'MA.156.M0.A00001'),
    ('ma.156.m0.100001.0000001', 'ma_invalid', 'ma.156.m0.100001'),
    ('MA.156.M0.100001.0000001.', 'ma_invalid', '.'),
    ('MA.156.M0.100001.0000001..L1', 'ma_invalid', '.'),
    ('MA.156.M0.100001.0000001.L1.', 'ma_invalid', '.'),
    # MA: unknown, lower-case, repeated, empty or malformed segments
    ('MA.156.M0.100001.0000001.X1', 'ma_segment', '.X1'),
    ('MA.156.M0.100001.0000001.l2403', 'ma_segment', '.l2403'),
    ('MA.156.M0.100001.0000001.L', 'ma_segment', '.L'),
    ('MA.156.M0.100001.0000001.E', 'ma_segment', '.E'),
    ('MA.156.M0.100001.0000001.L1.L2', 'ma_segment', '.L2'),
    ('MA.156.M0.100001.0000001.L1.123', 'ma_segment', '.123'),
    ('MA.156.M0.100001.0000001.L24/03', 'ma_segment', '.L24/03'),
    ('MA.156.M0.100001.0000001.L24 03', 'ma_segment', '.L24 03'),
    ('MA.156.M0.100001.0000001.L1%sS2' % GS, 'ma_segment', '.L1<GS>S2'),
    ('MA.156.M0.100001.0000001.L批号', 'ma_segment', '.L批号'),
    # MA: bad dates
    ('MA.156.M0.100001.0000001.E271341', 'ma_date', '.E271341'),
    ('MA.156.M0.100001.0000001.E271300', 'ma_date', '.E271300'),
    ('MA.156.M0.100001.0000001.M250229', 'ma_date', '.M250229'),
    ('MA.156.M0.100001.0000001.E20270229', 'ma_date', '.E20270229'),
    ('MA.156.M0.100001.0000001.M2403', 'ma_date', '.M2403'),
    ('MA.156.M0.100001.0000001.M2403011', 'ma_date', '.M2403011'),
    ('MA.156.M0.100001.0000001.V27063A', 'ma_date', '.V27063A'),
    ('MA.156.M0.100001.0000001.L1.E271232', 'ma_date', '.E271232'),
    ]


@pytest.mark.parametrize('code,key,value', INVALID)
def test_invalid(code, key, value):
    with pytest.raises(UDIError) as info:
        udi.parse(code)
    error = info.value
    assert isinstance(error, ValueError)
    assert error.key == key
    assert error.params['value'] == value
    assert set(error.params) == set(udi.ERROR_KEYS[key])


def test_invalid_code_param():
    "The code is given back stripped, GS shown, and shortened"
    with pytest.raises(UDIError) as info:
        udi.parse('  01%s10%s21X\n' % (GTIN, GS))
    assert info.value.params['code'] == '01%s10<GS>21X' % GTIN
    with pytest.raises(UDIError) as info:
        udi.parse('Z' * 500)
    assert info.value.params['code'] == 'Z' * 80 + '…'
    with pytest.raises(UDIError) as info:
        udi.parse(6923456789012)
    assert info.value.params['code'] == '6923456789012'


def test_gs1_date_ai_param():
    with pytest.raises(UDIError) as info:
        udi.parse('(01)%s(11)241301(17)271231' % GTIN)
    assert info.value.params == {
        'code': '(01)%s(11)241301(17)271231' % GTIN,
        'value': '241301',
        'ai': '11',
        }


@pytest.mark.parametrize('year2,today,expected', [
        (27, D(2026, 5, 1), 2000),
        (76, D(2026, 5, 1), 2000),
        (77, D(2026, 5, 1), 1900),
        (99, D(2026, 5, 1), 1900),
        (10, D(2090, 5, 1), 2100),
        ])
def test_century(year2, today, expected):
    assert udi._century(year2, today) == expected


def test_only_udierror_escapes():
    "Random scanner noise either parses or raises UDIError, nothing else"
    rng = random.Random(20240301)
    alphabet = '0123456789()' + GS + 'ABLSMEVDCx.<>] \n（'
    prefixes = ['', '01' + GTIN, '(01)' + GTIN, 'MA.156.M0.100001.0000001',
        ']d2', ']C1', '(17)', '17', 'MA.']
    for _ in range(3000):
        code = rng.choice(prefixes) + ''.join(
            rng.choice(alphabet) for _ in range(rng.randrange(0, 30)))
        try:
            result = udi.parse(code)
        except UDIError as error:
            assert error.key in udi.ERROR_KEYS
        else:
            assert result['scheme'] in {'gs1', 'ma'}
            assert result['di']


def _messages():
    path = os.path.join(os.path.dirname(__file__), '..', 'barcode.xml')
    root = ET.parse(path).getroot()
    messages = {}
    for record in root.iter('record'):
        assert record.get('model') == 'ir.message'
        text, = [
            f.text for f in record.iter('field') if f.get('name') == 'text']
        messages[record.get('id')] = text
    return messages


def _zh_cn():
    "msgctxt -> msgstr of the module's zh_CN po"
    import polib
    path = os.path.join(
        os.path.dirname(__file__), '..', 'locale', 'zh_CN.po')
    return {e.msgctxt: e.msgstr for e in polib.pofile(path)}


def test_messages():
    "Every key has an English message and a zh_CN translation, both using"
    " only the params it gets"
    messages = _messages()
    expected = {'msg_barcode_%s' % k for k in udi.ERROR_KEYS}
    expected.add('msg_barcode_unknown_di')
    assert set(messages) == expected
    translations = _zh_cn()
    for id_, text in messages.items():
        # English is the source language; Chinese lives in the po
        assert not re.search(r'[\u4e00-\u9fff]', text), id_
        zh = translations['model:ir.message,text:%s' % id_]
        assert re.search(r'[\u4e00-\u9fff]', zh), id_
        key = id_[len('msg_barcode_'):]
        params = udi.ERROR_KEYS.get(key, ('code', 'di'))
        for text in [text, zh]:
            used = set(re.findall(r'%\((\w+)\)s', text))
            assert used <= set(params), id_
            text % {p: 'x' for p in params}
