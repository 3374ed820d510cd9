"""Demo data of med_consumables_base: the hospital (company, CNY), units and
categories, suppliers and manufacturers with their licences, stores and
bins, people and their roles, departments, products with UDI-DI, the
catalogue, the departments' lists and the stock in lots."""
import datetime as dt
import time
from collections import defaultdict
from decimal import Decimal

import demo_data as D

from .core import BATCH, add_years, log, rounded

class BaseSteps:

    STEPS = [
        'currency_company',
        'uoms_categories',
        'parties',
        'qualifications',
        'locations',
        'people',
        'departments',
        'products',
        'catalog',
        'department_lists',
        'stock',
        ]

    def currency_company(self):
        "currency CNY, company 江城市第一人民医院"
        Currency = self.pool.get('currency.currency')
        Party = self.pool.get('party.party')
        Company = self.pool.get('company.company')
        currencies = Currency.search([('code', '=', 'CNY')])
        if currencies:
            self.cny, = currencies
        else:
            self.cny, = self.create(Currency, [{
                        'name': '人民币', 'code': 'CNY', 'numeric_code': '156',
                        'symbol': '¥', 'digits': 2,
                        'rounding': Decimal('0.01'),
                        'rates': [('create', [{
                                        'date': dt.date(2020, 1, 1),
                                        'rate': Decimal(1)}])],
                        }])
        # Tryton stores the USCC as the VAT alias of stdnum's cn.uscc:
        # type 'cn_vat' (the contract's 'cn_uscc' is not a selection value)
        Identifier = self.pool.get('party.identifier')
        types = [t for t, _ in Identifier.get_types()]
        self.uscc_type = 'cn_uscc' if 'cn_uscc' in types else 'cn_vat'
        h = D.HOSPITAL
        uscc = D.make_uscc(self.rng, h['region'], prefix='12',
            new_style=False)
        party, = self.create(Party, [{
                    'name': h['name'],
                    'code': 'JCYY',
                    'identifiers': [('create', [{
                                    'type': self.uscc_type, 'code': uscc}])],
                    'addresses': [('create', [{
                                    'street': h['street'], 'city': h['city'],
                                    'postal_code': h['postal_code']}])],
                    'contact_mechanisms': [('create', [
                                {'type': 'phone', 'value': h['phone']},
                                {'type': 'email', 'value': h['email']},
                                {'type': 'website', 'value': h['website']},
                                ])],
                    }])
        self.company, = self.create(Company, [{
                    'party': party.id, 'currency': self.cny.id,
                    'timezone': 'Asia/Shanghai',
                    }])
        self.company_address = party.addresses[0]

    def uoms_categories(self):
        "units of measure and the product category tree"
        Uom = self.pool.get('product.uom')
        Category = self.pool.get('product.category')
        from trytond.transaction import Transaction
        unit_category = self.ref('product', 'uom_cat_unit')
        # By their Chinese names: product's "Unit" is already 个 in zh_CN
        with Transaction().set_context(language='zh_CN'):
            existing = {u.name: Uom(u.id) for u in Uom.search(
                    [('category', '=', unit_category)])}
        to_create = [{'name': n, 'symbol': s, 'category': unit_category,
                'rate': 1, 'factor': 1, 'rounding': 1, 'digits': 0}
            for n, s in D.UOMS if n not in existing]
        for uom in self.create(Uom, to_create):
            existing[uom.name] = uom
        self.uoms = existing
        self.categories = {}
        self.category_nhsa = {}
        tops = self.create(Category, [{'name': name, 'code': code}
                for code, name, _, _ in D.CATEGORIES])
        children = []
        for top, (_, _, _, subs) in zip(tops, D.CATEGORIES):
            for code, name, nhsa in subs:
                children.append({'name': name, 'code': code,
                        'parent': top.id})
                self.category_nhsa[code] = nhsa
        for category in self.create(Category, children):
            self.categories[category.code] = category

    def _party_values(self, name, region, street, city, uscc, phone, **kw):
        values = {
            'name': name,
            'identifiers': [('create', [
                        {'type': self.uscc_type, 'code': uscc}])],
            'addresses': [('create', [{'street': street, 'city': city}])],
            'contact_mechanisms': [('create', [
                        {'type': 'phone', 'value': phone}])],
            }
        values.update(kw)
        return values

    def _phone(self, area):
        return '+86 %s %04d %04d' % (area, self.rng.randrange(5000, 8999),
            self.rng.randrange(0, 9999))

    def parties(self):
        "manufacturers (生产企业) and distributors (经销商)"
        Party = self.pool.get('party.party')
        rng = self.rng
        self.mfr_info = {m[0]: m for m in D.MANUFACTURERS}
        extra = D.extra_manufacturers_needed(self.scale)
        self.extra_mfr_keys = []
        for i in range(extra):
            info = D.extra_manufacturer(rng, i)
            self.mfr_info[info[0]] = info
            self.extra_mfr_keys.append(info[0])
        area_by_region = {'11': '10', '31': '21', '32': '512', '33': '571',
            '36': '791', '37': '631', '41': '373', '42': '27', '44': '755',
            '61': '29'}
        values, keys = [], []
        self.uscc = {}
        for key, info in self.mfr_info.items():
            _, name, region, street, _, _, _ = info
            code = D.make_uscc(rng, region)
            keys.append(key)
            values.append(self._party_values(name, region, street, '',
                    code, self._phone(area_by_region.get(region[:2], '27')),
                    is_manufacturer=True))
        self.manufacturers = dict(zip(keys, self.create(Party, values,
                    'party.party (manufacturers)')))
        # Distributors: the fixed list, then generated ones for --scale
        names = list(D.DISTRIBUTORS)
        wanted = max(len(names), self.scale // 250)
        i = 0
        while len(names) < wanted:
            city = D.CITY_WORDS[i % len(D.CITY_WORDS)]
            trade = D.TRADE_WORDS[(i * 7 + 3) % len(D.TRADE_WORDS)]
            name = '%s%s医药供应链有限公司' % (city, trade)
            if name not in {n for n, _ in names}:
                names.append((name, '江城市经济技术开发区物流园%d号' % (i + 1)))
            i += 1
        values = []
        for name, street in names:
            values.append(self._party_values(name, '420100', street,
                    D.HOSPITAL['city'], D.make_uscc(rng, '420100'),
                    self._phone('27'), is_distributor=True))
        self.distributors = self.create(Party, values,
            'party.party (distributors)')
        # Each manufacturer is delivered by one or two distributors
        self.mfr_distributors = {}
        usable = self.distributors[:-1]  # the last one has an expired licence
        for n, key in enumerate(self.manufacturers):
            first = usable[n % len(usable)]
            second = usable[(n * 5 + 3) % len(usable)]
            self.mfr_distributors[key] = [first, second]

    def qualifications(self):
        "licences (资质) with near and past expiry dates"
        Qualification = self.get('med.qualification')
        if not Qualification:
            return
        rng = self.rng
        values = []
        bureau = {
            'market': '江城市市场监督管理局',
            'province': '湖北省药品监督管理局',
            'city': '江城市市场监督管理局',
            }
        n_dist = len(self.distributors)
        # Offsets (days to expiry) for the special cases, by index
        special_dist = {2: 18, 5: 26, 3: 47, 4: 76, n_dist - 1: -12}
        extra_soon = max(0, self.scale // 1000)
        for k in range(extra_soon):
            special_dist.setdefault(6 + k * 3, rng.randrange(3, 29))
            special_dist.setdefault(7 + k * 3, rng.randrange(31, 59))
            special_dist.setdefault(8 + k * 3, rng.randrange(61, 89))
        for i, party in enumerate(self.distributors):
            uscc = party.identifiers[0].code
            issued = self.day(-rng.randrange(800, 3000))
            values.append({'party': party.id, 'kind': 'business_license',
                    'number': uscc, 'issued_on': issued, 'expires_on': None,
                    'issuer': bureau['market']})
            offset = special_dist.get(i, rng.randrange(200, 1500))
            expires = self.day(offset)
            issued = expires - dt.timedelta(days=5 * 365)
            values.append({'party': party.id, 'kind': 'operation_license',
                    'number': '鄂汉药监械经营许%d%04d号' % (
                        issued.year, 100 + i * 13),
                    'issued_on': issued, 'expires_on': expires,
                    'issuer': bureau['province']})
            values.append({'party': party.id, 'kind': 'operation_record',
                    'number': '鄂汉药监械经营备%d%04d号' % (
                        issued.year, 200 + i * 17),
                    'issued_on': issued, 'expires_on': None,
                    'issuer': bureau['city']})
        special_mfr = {1: 22, 7: 58, 12: 85}
        for i, (key, party) in enumerate(self.manufacturers.items()):
            info = self.mfr_info[key]
            prov, _ = D.REGIONS.get(info[2], ('鄂', '汉'))
            uscc = party.identifiers[0].code
            values.append({'party': party.id, 'kind': 'business_license',
                    'number': uscc,
                    'issued_on': self.day(-rng.randrange(2000, 8000)),
                    'expires_on': None, 'issuer': '市场监督管理局'})
            if info[5]:
                # Imported: the agent holds no production licence
                continue
            offset = special_mfr.get(i, rng.randrange(300, 1700))
            expires = self.day(offset)
            issued = expires - dt.timedelta(days=5 * 365)
            values.append({'party': party.id, 'kind': 'production_license',
                    'number': '%s药监械生产许%d%04d号' % (
                        prov, 2000 + i % 20, 10 + i * 7),
                    'issued_on': issued, 'expires_on': expires,
                    'issuer': '%s药品监督管理局' % prov})
        self.create(Qualification, values)

    def locations(self):
        "stores: 中心库 with bins, 高值库, a 二级库 per department"
        from trytond.transaction import Transaction
        Location = self.pool.get('stock.location')
        # The stock module's warehouse becomes the 中心库 (both languages
        # because its name is translated).
        central = Location(self.ref('stock', 'location_warehouse'))
        renames = [
            (central, '中心库', 'ZXK'),
            (central.input_location, '中心库-入库区', 'ZXK-IN'),
            (central.output_location, '中心库-出库区', 'ZXK-OUT'),
            (central.storage_location, '中心库-存储区', 'ZXK-STO'),
            ]
        if central.lost_found_location:
            renames.append(
                (central.lost_found_location, '中心库-报损区', 'ZXK-LF'))
        for language in ['en', 'zh_CN']:
            with Transaction().set_context(language=language):
                for location, name, code in renames:
                    Location.write([Location(location.id)],
                        {'name': name, 'code': code})
        Location.write([central], self.clean(Location, {
                    'warehouse_kind': 'central',
                    'address': self.company_address.id}))
        self.central = central
        # Bins 货位 Zone-Shelf-Level under the central storage
        shelves = max(5, self.scale // 600)
        self.zones = {'A': ['D01', 'D02'], 'B': ['D03', 'D08'],
            'C': ['D04', 'D05'], 'D': ['D06', 'D07']}
        values = []
        for zone in self.zones:
            for shelf in range(1, shelves + 1):
                for level in range(1, 4):
                    code = '%s-%02d-%02d' % (zone, shelf, level)
                    values.append({'name': '货位 ' + code, 'code': code,
                            'type': 'storage',
                            'parent': central.storage_location.id})
        bins = self.create(Location, values, 'stock.location (bins)')
        self.bins = defaultdict(list)
        for location in bins:
            for category in self.zones[location.code[0]]:
                self.bins[category].append(location)

        def warehouse(name, code, kind):
            children = self.create(Location, [
                    {'name': name + '-入库区', 'code': code + '-IN',
                        'type': 'storage'},
                    {'name': name + '-出库区', 'code': code + '-OUT',
                        'type': 'storage'},
                    {'name': name + '-存储区', 'code': code + '-STO',
                        'type': 'storage'},
                    ], 'stock.location (zones)')
            return {'name': name, 'code': code, 'type': 'warehouse',
                'warehouse_kind': kind,
                'input_location': children[0].id,
                'output_location': children[1].id,
                'storage_location': children[2].id,
                'address': self.company_address.id}

        self.high_store, = self.create(Location,
            [warehouse('高值库', 'GZK', 'high_value')],
            'stock.location (warehouses)')
        values = []
        for n, code in enumerate(['G01', 'G02', 'G03', 'G04', 'G05', 'G06']):
            values.append({'name': '高值柜 H-%02d' % (n + 1),
                    'code': 'H-%02d' % (n + 1), 'type': 'storage',
                    'parent': self.high_store.storage_location.id})
        for location in self.create(Location, values,
                'stock.location (bins)'):
            self.bins['G%02d' % int(location.code[2:])].append(location)
        self.high_bins = {b.id for c in self.bins if c.startswith('G')
            for b in self.bins[c]}

        # Department list (fixed 14, then extra ones for --scale)
        count = max(len(D.DEPARTMENTS), self.scale // 100)
        self.dept_specs = [list(d) for d in D.DEPARTMENTS]
        codes = {d[1] for d in self.dept_specs}
        # (name, code): extra departments, then 二病区, 三病区… of the wards
        fixed_codes = {d[0]: d[1] for d in D.DEPARTMENTS}
        names = [(n, D.dept_code(n)) for n in D.EXTRA_DEPARTMENTS]
        bases = [d[0] for d in D.DEPARTMENTS[:11]] + D.EXTRA_DEPARTMENTS[:30]
        for n, ward in enumerate(D.WARD_WORDS[1:]):
            names.extend((base + ward, '%s%d' % (
                        fixed_codes.get(base) or D.dept_code(base), n + 2))
                for base in bases)
        keywords = [('骨', ['G02']), ('脊柱', ['G02']), ('关节', ['G02']),
            ('心血管', ['G01', 'G06']), ('介入', ['G01']), ('胃肠', ['G03']),
            ('肝胆', ['G03']), ('心内', ['G06']), ('神经外', ['G04']),
            ('眼', ['G05'])]
        low_cats = ['D%02d' % i for i in range(1, 9)]
        i = 0
        while len(self.dept_specs) < count:
            name, code = names[i]
            while code in codes:
                code += 'X'
            codes.add(code)
            highs = []
            for word, cats in keywords:
                if word in name:
                    highs = cats
                    break
            prefs = self.rng.sample(low_cats, 3)
            his = '%02d%02d' % (10 + i // 90, i % 90 + 1)
            self.dept_specs.append([name, code, his, highs, prefs])
            i += 1
        values = [warehouse(name + '二级库', code + '-EJK', 'department')
            for name, code, *_ in self.dept_specs]
        self.dept_stores = self.create(Location, values,
            'stock.location (warehouses)')
        self.supplier = Location(self.ref('stock', 'location_supplier'))

    def people(self):
        "employees and users (password demo-2026, language zh_CN)"
        Party = self.pool.get('party.party')
        Employee = self.pool.get('company.employee')
        User = self.pool.get('res.user')
        Lang = self.pool.get('ir.lang')
        rng = self.rng
        self.zh_cn, = Lang.search([('code', '=', 'zh_CN')])
        if not self.zh_cn.translatable:
            Lang.write([self.zh_cn], {'translatable': True})
        # Heads of department: ward_head heads 心内科, others are generated
        used = {u[1] for u in D.USERS}
        head_names = []
        for name, code, *_ in self.dept_specs:
            if code == 'XNK':
                head_names.append(None)
                continue
            while True:
                person = D.person_name(rng)
                if person not in used:
                    used.add(person)
                    break
            head_names.append(person)
        people = [('系统管理员', 'admin')] + [
            (u[1], u[0]) for u in D.USERS if u[0] != 'his']
        people += [(n, None) for n in head_names if n]
        parties = self.create(Party, [{'name': n} for n, _ in people],
            'party.party (employees)')
        employees = self.create(Employee, [
                {'party': p.id, 'company': self.company.id,
                    'start_date': dt.date(2015, 1, 1)}
                for p in parties])
        self.employee_by_login = {login: employee
            for (_, login), employee in zip(people, employees) if login}
        head_employees = iter(employees[len(people) - len(
                    [n for n in head_names if n]):])
        self.heads = [self.employee_by_login['ward_head'] if n is None
            else next(head_employees) for n in head_names]

        def group_ids(xml_ids):
            ids = []
            for xml_id in xml_ids:
                module, fs_id = xml_id.split('.')
                if module not in self.activated:
                    continue
                id_ = self.ref(module, fs_id)
                if id_:
                    ids.append(id_)
            return ids

        # Hash once: every demo user has the same password
        password_hash = User.hash_password(D.PASSWORD)
        values = []
        for login, name, title, groups, _ in D.USERS:
            employee = self.employee_by_login.get(login)
            value = {
                'login': login, 'name': name, 'password_hash': password_hash,
                'email': '%s@hospital.example' % login,
                'language': self.zh_cn.id,
                'companies': [('add', [self.company.id])],
                'company': self.company.id,
                'groups': [('add', group_ids(groups))],
                }
            if employee:
                value['employees'] = [('add', [employee.id])]
                value['employee'] = employee.id
            values.append(value)
        users = self.create(User, values)
        self.users = {u.login: u for u in users}
        # The administrator: every role, Chinese, in the company
        admin, = User.search([('login', '=', 'admin')])
        groups = group_ids(['med_consumables_base.' + g for g in D.MED_GROUPS]
            + ['stock.group_stock', 'stock.group_stock_admin',
                'product.group_product_admin',
                'stock_lot_sled.group_stock_force_expiration'])
        User.write([admin], {
                'name': '系统管理员', 'password_hash': password_hash,
                'language': self.zh_cn.id,
                'companies': [('add', [self.company.id])],
                'company': self.company.id,
                'employees': [('add', [self.employee_by_login['admin'].id])],
                'employee': self.employee_by_login['admin'].id,
                'groups': [('add', groups)],
                })
        self.users['admin'] = admin

    def departments(self):
        "departments (科室) with their stores, heads and users"
        Department = self.get('med.department')
        if not Department:
            self.departments_ = []
            return
        members = defaultdict(list)
        for login, _, _, _, code in D.USERS:
            if code:
                members[code].append(self.users[login].id)
        values = []
        for spec, store, head in zip(
                self.dept_specs, self.dept_stores, self.heads):
            name, code, his_code, _, _ = spec
            supply = (self.high_store if code in D.HIGH_VALUE_SUPPLIED
                else self.central)
            value = {'name': name, 'code': code, 'his_code': his_code,
                'company': self.company.id, 'warehouse': store.id,
                'supply_warehouse': supply.id, 'head': head.id}
            if members.get(code):
                value['users'] = [('add', members[code])]
            values.append(value)
        self.departments_ = self.create(Department, values)

    def products(self):
        "products with NHSA code, registration and UDI-DI"
        Template = self.pool.get('product.template')
        rng = self.rng
        specs = D.expand_families(self.scale, rng, self.extra_mfr_keys)
        # One registration certificate per (family, manufacturer)
        combos = defaultdict(list)
        for i, (family, spec, mfr) in enumerate(specs):
            combos[(family['name'], mfr)].append(i)
        registrations = {}
        reg_serial = 0
        combo_keys = sorted(combos, key=lambda k: (
                [f['name'] for f in D.FAMILIES].index(k[0]), k[1]))
        families = {f['name']: f for f in D.FAMILIES}
        cat_codes = {'D01': 15, 'D02': 14, 'D03': 14, 'D04': 14, 'D05': 2,
            'D06': 14, 'D07': 15, 'D08': 7, 'G01': 13, 'G02': 13, 'G03': 2,
            'G04': 13, 'G05': 16, 'G06': 12}
        registrable = [k for k in combo_keys if families[k[0]]['reg'] > 1]
        # Special expiries: one expired, some within 30/60/90 days; prefer
        # registrations covering few products
        small = sorted(registrable, key=lambda k: (len(combos[k]),
                rng.random()))
        k = max(3, self.scale // 100)
        special = {}
        special[small[0]] = -rng.randrange(5, 40)
        for key in small[1:1 + k]:
            special[key] = rng.randrange(3, 30)
        for key in small[1 + k:1 + 2 * k]:
            special[key] = rng.randrange(31, 60)
        for key in small[1 + 2 * k:1 + 3 * k]:
            special[key] = rng.randrange(61, 90)
        self.expired_registration = small[0]
        for key in combo_keys:
            family = families[key[0]]
            info = self.mfr_info[key[1]]
            reg_serial += 1
            if family['reg'] == 1:
                year = self.today.year - rng.randrange(1, 6)
                expiry = None
            else:
                expiry = self.day(special.get(key, rng.randrange(120, 1700)))
                year = (expiry - dt.timedelta(days=5 * 365)).year
            number = D.registration_number(rng, family['reg'], info[2],
                info[5], year, cat_codes[family['cat']],
                reg_serial * 37 + rng.randrange(0, 30))
            registrations[key] = (number, expiry)

        mfr_index = {k: n for n, k in enumerate(self.mfr_info)}
        item_counter = defaultdict(int)
        values = []
        self.product_meta = []
        for i, (family, spec, mfr) in enumerate(specs):
            high = family['cat'].startswith('G')
            lo, hi = family['price']
            price = rng.uniform(lo, hi)
            price = (Decimal(str(round(price))) if price >= 100
                else Decimal(str(round(price, 2))))
            info = self.mfr_info[mfr]
            item_counter[mfr] += 1
            gtin = D.make_gtin14(info[4], 10000 + item_counter[mfr] * 7)
            identifiers = [{'type': 'gs1_di', 'code': gtin}]
            if high and info[6] and item_counter[mfr] % 3 == 1:
                identifiers.append({'type': 'ma_di', 'code': D.make_ma_di(
                            100000 + mfr_index[mfr] * 17,
                            3000000 + item_counter[mfr])})
            levels = (self.category_nhsa[family['cat']]
                + '%02d' % (D.FAMILIES.index(family) % 98 + 1))
            nhsa = D.make_nhsa(levels, family['generic'],
                rng.randrange(1, 10), rng.randrange(1, 10),
                100000 + mfr_index[mfr] * 17, i + 1)
            number, expiry = registrations[(family['name'], mfr)]
            uom = self.uoms[family['uom']]
            values.append({
                    'name': family['name'],
                    'code': '%s%06d' % ('GZ' if high else 'DZ', i + 1),
                    'type': 'goods',
                    'consumable': False,
                    'default_uom': uom.id,
                    'list_price': price,
                    'cost_price_method': 'fixed',
                    'categories': [('add', [
                                self.categories[family['cat']].id])],
                    'consumable_class': 'high' if high else 'low',
                    'nhsa_code': nhsa,
                    'registration_number': number,
                    'registration_expiry': expiry,
                    'specification': spec,
                    'manufacturer': self.manufacturers[mfr].id,
                    'lot_required': (['supplier', 'storage', 'customer']
                        if high else ['supplier']),
                    'expiration_state': 'required',
                    # code and (below) internal_quantity are given so that
                    # Tryton does not rewrite every record after creation
                    'products': [('create', [{
                                    'code': '%s%06d' % (
                                        'GZ' if high else 'DZ', i + 1),
                                    'cost_price': price,
                                    'identifiers': [('create', identifiers)],
                                    }])],
                    })
            self.product_meta.append((family, mfr, price))
        if 'purchasable' in Template._fields:
            for value in values:
                value['purchasable'] = True
                value['purchase_uom'] = value['default_uom']
        # SQLite checks exclusion constraints (product code) with one OR
        # clause per record: larger batches overflow its parser stack
        from trytond import backend
        templates = self.create(Template, values,
            batch=80 if backend.name == 'sqlite' else BATCH)
        self.products_ = [t.products[0] for t in templates]
        self.templates = templates
        self.counts['product.product'] = len(self.products_)
        self.counts['product.identifier'] = sum(
            len(v['products'][0][1][0]['identifiers'][0][1]) for v in values)
        # 授权书: the distributor's authorisation for each high-value
        # product line, by (family, manufacturer)
        Qualification = self.get('med.qualification')
        if Qualification:
            qualifications = []
            seen = set()
            for template, (family, mfr, _) in zip(templates,
                    self.product_meta):
                if not family['cat'].startswith('G'):
                    continue
                key = (family['name'], mfr)
                if key in seen:
                    continue
                seen.add(key)
                distributor = self.mfr_distributors[mfr][0]
                # One-year letters issued over the last eight months
                issued = self.day(-self.rng.randrange(0, 240))
                qualifications.append({'party': distributor.id,
                        'product': template.id, 'kind': 'authorization',
                        'number': 'SQ%d-%04d' % (issued.year, len(seen)),
                        'issuer': self.manufacturers[mfr].name,
                        'issued_on': issued,
                        'expires_on': issued + dt.timedelta(days=365)})
            self.create(Qualification, qualifications)

    def catalog(self):
        "hospital catalogue (产品目录) with contract prices"
        Catalog = self.get('med.catalog')
        if not Catalog:
            return
        rng = self.rng
        dist_index = {d.id: n for n, d in enumerate(self.distributors)}
        # One yearly supply contract per distributor, signed on a date of
        # the last 10 months (so every current contract runs 2+ months)
        contracts = {}
        for n, distributor in enumerate(self.distributors):
            start = self.day(-(30 + (n * 23) % 270))
            previous = add_years(start, -1)
            contracts[distributor.id] = [
                ('JCYY-%d-%04d' % (start.year, 101 + n * 3), start,
                    add_years(start, 1) - dt.timedelta(days=1)),
                ('JCYY-%d-%04d' % (previous.year, 101 + n * 3), previous,
                    start - dt.timedelta(days=1)),
                ]
        values = []
        self.main_distributor = {}
        for i, (product, (family, mfr, price)) in enumerate(
                zip(self.products_, self.product_meta)):
            first, second = self.mfr_distributors[mfr]
            main, other = (first, second) if i % 4 else (second, first)
            if i % 75 == 40:
                # The distributor whose licence has expired holds a few
                # contracts: buying those products shows the licence check
                main, other = self.distributors[-1], first
            if other == main:
                other = self.distributors[
                    (dist_index[main.id] + 1) % (len(self.distributors) - 1)]
            self.main_distributor[product.id] = main
            number, start, end = contracts[main.id][0]
            values.append({'product': product.id, 'distributor': main.id,
                    'contract_price': price.quantize(Decimal('0.0001')),
                    'currency': self.cny.id, 'company': self.company.id,
                    'contract_number': number,
                    'valid_from': start, 'valid_to': end,
                    'in_catalog': i % 97 != 13})
            if rng.random() < 0.4:
                # Last year's contract with the other distributor, before
                # the volume-based procurement (集采) price cut
                old = (price * Decimal(str(rng.uniform(1.05, 1.3)))
                    ).quantize(Decimal('0.0001'))
                number, start, end = contracts[other.id][1]
                values.append({'product': product.id,
                        'distributor': other.id, 'contract_price': old,
                        'currency': self.cny.id, 'company': self.company.id,
                        'contract_number': number,
                        'valid_from': start, 'valid_to': end,
                        'in_catalog': False})
        self.create(Catalog, values)

    def department_lists(self):
        "department requisition catalogues (二级库房请领目录) and favourites"
        Catalog = self.get('med.department.catalog')
        Favorite = self.get('med.department.favorite')
        rng = self.rng
        by_cat = defaultdict(list)
        for product, (family, _, _) in zip(self.products_, self.product_meta):
            by_cat[family['cat']].append((product, family))
        low = [p for c, ps in by_cat.items() if c.startswith('D') for p in ps]
        syringes = [p for p in low if p[1]['name'] == '一次性使用无菌注射器']
        self.dept_catalog = []
        cat_values, fav_values = [], []
        for d_index, spec in enumerate(self.dept_specs):
            _, code, _, highs, prefs = spec
            size = rng.randrange(15, 41)
            preferred = [p for c in prefs for p in by_cat[c]]
            chosen = {}
            for product, family in syringes[:1] + rng.sample(
                    preferred, min(len(preferred), int(size * 0.7))):
                chosen[product.id] = (product, family)
            while len(chosen) < size:
                product, family = rng.choice(low)
                chosen[product.id] = (product, family)
            lows = list(chosen.values())
            for c in highs:
                pool = by_cat[c]
                for product, family in rng.sample(pool,
                        min(len(pool), rng.randrange(6, 16))):
                    chosen[product.id] = (product, family)
            rows = []
            for product, family in chosen.values():
                if family['cat'].startswith('G'):
                    par = float(rng.randrange(1, 4))
                    maximum = par * 2
                else:
                    lo, hi = family['qty']
                    par = float(rounded(rng.uniform(lo, hi) / 10,
                            10 if hi >= 1000 else 5 if hi >= 100 else 1))
                    maximum = par * rng.choice([2, 3])
                rows.append((product, family, par))
                cat_values.append({'department': self.departments_[
                            d_index].id if self.departments_ else None,
                        'product': product.id, 'par_level': par,
                        'max_quantity': maximum})
            self.dept_catalog.append(rows)
            for n, (product, family) in enumerate(lows[:8]):
                par = [r[2] for r in rows if r[0] == product][0]
                fav_values.append({'department': self.departments_[
                            d_index].id if self.departments_ else None,
                        'product': product.id, 'sequence': n + 1,
                        'quantity': max(1.0, float(rounded(par / 2, 1)))})
        if Catalog and self.departments_:
            self.create(Catalog, cat_values)
        if Favorite and self.departments_:
            self.create(Favorite, fav_values)

    def stock(self):
        "lots and done stock moves (receipts, issues to departments)"
        Lot = self.pool.get('stock.lot')
        Move = self.pool.get('stock.move')
        rng = self.rng
        today = self.today
        company = self.company.id
        # Which products each store must hold
        hv_low = set()
        for spec, rows in zip(self.dept_specs, self.dept_catalog):
            if spec[1] in D.HIGH_VALUE_SUPPLIED:
                hv_low.update(p.id for p, f, _ in rows
                    if f['cat'].startswith('D'))
        lots, receipts = [], []
        low_lot_indexes, high_lot_indexes = [], []
        numbers = set()
        bin_counter = defaultdict(int)
        for n, (product, (family, mfr, price)) in enumerate(
                zip(self.products_, self.product_meta)):
            high = family['cat'].startswith('G')
            # A few products are out of stock (for shortfall demos)
            if n > 30 and rng.random() < 0.06:
                continue
            cat = family['cat']
            bins = self.bins[cat]
            location = bins[bin_counter[cat] % len(bins)]
            bin_counter[cat] += 1
            targets = [location]
            if product.id in hv_low:
                targets.append(self.high_store.storage_location)
            for target in targets:
                n_lots = 1 + (rng.random() < 0.5) + (rng.random() < 0.15)
                if target is not location:
                    n_lots = 1
                for _ in range(n_lots):
                    received = self.day(-rng.randrange(10, 121))
                    expiry = self.day(rng.randrange(365, 1096))
                    life = 365 * (2 if high else 3)
                    produced = min(expiry - dt.timedelta(days=life),
                        received - dt.timedelta(days=rng.randrange(7, 60)))
                    number = produced.strftime('%y%m%d') + '%02d' % (
                        rng.randrange(1, 100))
                    while (product.id, number) in numbers:
                        number += 'A'
                    numbers.add((product.id, number))
                    lo, hi = family['qty']
                    quantity = rng.uniform(lo, hi)
                    quantity = float(int(quantity) if hi < 100
                        else rounded(quantity, 10))
                    (high_lot_indexes if high else low_lot_indexes).append(
                        len(lots))
                    lots.append({'number': number, 'product': product.id,
                            'expiration_date': expiry})
                    receipts.append({'product': product.id,
                            'unit': product.default_uom.id,
                            'quantity': quantity,
                            'internal_quantity': quantity,
                            'from_location': self.supplier.id,
                            'to_location': target.id,
                            'company': company, 'currency': self.cny.id,
                            'unit_price': price, 'cost_price': price,
                            'planned_date': received,
                            'effective_date': received})
        # Special expiries
        k30 = max(5, self.scale // 30)
        k60 = k90 = max(3, self.scale // 60)
        picks = rng.sample(low_lot_indexes, 1 + k30 + k60 + k90)
        expired, picks = picks[0], picks[1:]
        plan = ([rng.randrange(3, 30) for _ in range(k30)]
            + [rng.randrange(31, 60) for _ in range(k60)]
            + [rng.randrange(61, 90) for _ in range(k90)])
        if high_lot_indexes:
            picks.append(rng.choice(high_lot_indexes))
            plan.append(rng.randrange(10, 30))
        for index, offset in zip(picks, plan):
            lots[index]['expiration_date'] = self.day(offset)
        lots[expired]['expiration_date'] = self.day(-7)
        receipts[expired]['effective_date'] = self.day(-400)
        receipts[expired]['planned_date'] = self.day(-400)
        self.near_expiry = {'30': k30 + bool(high_lot_indexes),
            '60': k60, '90': k90, 'expired': 1}

        lot_records = self.create(Lot, lots)
        for move, lot in zip(receipts, lot_records):
            move['lot'] = lot.id
        receipt_moves = self.create(Move, receipts, 'stock.move (receipts)')
        start = time.perf_counter()
        for i in range(0, len(receipt_moves), 1000):
            Move.do(receipt_moves[i:i + 1000])
        log("    receipts done in %.1f s", time.perf_counter() - start)

        # Issues to the department stores, first expiry first out
        remaining = {}
        by_product_store = defaultdict(list)
        for move, lot in zip(receipts, lots):
            store = ('high' if move['to_location']
                == self.high_store.storage_location.id
                or move['to_location'] in self.high_bins
                else 'central')
            key = (move['product'], store)
            index = len(remaining)
            remaining[index] = move['quantity']
            by_product_store[key].append((lot['expiration_date'],
                    move['effective_date'], move['to_location'],
                    move['lot'], index))
        horizon = self.day(30)
        issues = []
        for spec, store, rows in zip(
                self.dept_specs, self.dept_stores, self.dept_catalog):
            for product, family, par in rows:
                high = family['cat'].startswith('G')
                if rng.random() > (0.5 if high else 0.6):
                    continue
                source = ('high' if high or spec[1] in D.HIGH_VALUE_SUPPLIED
                    else 'central')
                candidates = sorted(c for c in by_product_store.get(
                        (product.id, source), []) if c[0] > horizon
                    and remaining[c[4]] > 0)
                if not candidates:
                    continue
                expiry, received, location, lot, index = candidates[0]
                quantity = (float(rng.randrange(1, 3)) if high
                    else float(min(par, max(1, int(remaining[index] / 3)))))
                if quantity > remaining[index]:
                    continue
                remaining[index] -= quantity
                day = min(received + dt.timedelta(days=rng.randrange(1, 8)),
                    today - dt.timedelta(days=1))
                issues.append({'product': product.id,
                        'unit': product.default_uom.id, 'quantity': quantity,
                        'internal_quantity': quantity,
                        'from_location': location,
                        'to_location': store.storage_location.id,
                        'lot': lot, 'company': company,
                        'planned_date': day, 'effective_date': day})
        issue_moves = self.create(Move, issues, 'stock.move (issues)')
        start = time.perf_counter()
        for i in range(0, len(issue_moves), 1000):
            Move.do(issue_moves[i:i + 1000])
        log("    issues done in %.1f s", time.perf_counter() - start)
