"""Two keepers issuing the last units of one lot at the same moment.

Runs on PostgreSQL only (SQLite has no row locks).  Each keeper is its own
process with its own transaction, retried the way Tryton's dispatcher
retries a request (lock conflicts, serialisation failures, and the
transaction restart of ``Model.lock``).  The stock never goes below zero,
and the keeper who loses gets a clear message.
"""
import datetime as dt
import multiprocessing
import time
import unittest
from decimal import Decimal

from trytond import backend
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, activate_module, drop_db
from trytond.transaction import Transaction

HOLD = 1.5  # seconds the winner keeps its transaction (and locks) open
ATTEMPTS = 200


def _keeper(db_name, user_id, context, model, method, ids, barrier, queue):
    "One keeper clicking a button, retried like the dispatcher does"
    from trytond import backend
    from trytond.exceptions import UserError
    from trytond.pool import Pool
    from trytond.transaction import (
        Transaction, TransactionError, check_access)
    Pool.start()
    pool = Pool(db_name)
    pool.init()
    barrier.wait()
    extras = {}
    outcome = None
    for attempt in range(ATTEMPTS):
        try:
            with Transaction().start(
                    db_name, user_id, context=context,
                    **extras) as transaction:
                Model = pool.get(model)
                try:
                    with check_access():
                        getattr(Model, method)(Model.browse(ids))
                except TransactionError as error:
                    transaction.rollback()
                    error.fix(extras)
                    continue
                # Keep the locks while the other keeper tries
                time.sleep(HOLD)
            outcome = ('ok', None)
            break
        except UserError as error:
            outcome = ('error', error.message)
            break
        except backend.DatabaseOperationalError:
            time.sleep(0.05)
            continue
    else:
        outcome = ('gave up', None)
    queue.put((ids[0], outcome))


def _race(users, context, model, method, records):
    "Each keeper clicks on their record at the same moment"
    ctx = multiprocessing.get_context('spawn')
    barrier = ctx.Barrier(len(records))
    queue = ctx.Queue()
    processes = [
        ctx.Process(target=_keeper, args=(
                DB_NAME, user_id, context, model, method, [r], barrier,
                queue))
        for user_id, r in zip(users, records)]
    for process in processes:
        process.start()
    outcomes = dict(queue.get(timeout=300) for _ in processes)
    for process in processes:
        process.join(timeout=60)
    return outcomes


@unittest.skipIf(
    backend.name != 'postgresql',
    "row locks: concurrency runs on PostgreSQL only")
class RequisitionConcurrencyTestCase(unittest.TestCase):
    "Issuing the last units of a lot concurrently"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module(['med_lowvalue'])
        cls.addClassCleanup(drop_db)
        with Transaction().start(DB_NAME, 0) as transaction:
            cls.setup = cls._set_up()
            transaction.commit()

    @classmethod
    def _set_up(cls):
        from trytond.modules.company.tests import create_company
        pool = Pool()
        User = pool.get('res.user')
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        Location = pool.get('stock.location')
        Department = pool.get('med.department')

        company = create_company(name="人民医院")

        def group(module, xml_id):
            return Group(ModelData.get_id(module, xml_id))
        keepers = []
        for login in ['keeper1', 'keeper2']:
            keeper, = User.create([{
                        'login': login,
                        'name': login,
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        'groups': [('add', [
                                    group('med_consumables_base',
                                        'group_med_warehouse').id,
                                    group('stock',
                                        'group_stock_force_assignment').id,
                                    ])],
                        }])
            keepers.append(keeper)

        def store(name, code, kind):
            storage, input_, output = Location.create([
                    {'name': f'{name}-储存区', 'code': f'{code}-STO',
                        'type': 'storage'},
                    {'name': f'{name}-入库区', 'code': f'{code}-IN',
                        'type': 'storage'},
                    {'name': f'{name}-出库区', 'code': f'{code}-OUT',
                        'type': 'storage'},
                    ])
            warehouse, = Location.create([{
                        'name': name, 'code': code, 'type': 'warehouse',
                        'warehouse_kind': kind,
                        'storage_location': storage.id,
                        'input_location': input_.id,
                        'output_location': output.id,
                        }])
            return warehouse
        central = store('中心库', 'ZXK', 'central')
        departments = Department.create([{
                    'name': name, 'code': code, 'company': company.id,
                    'warehouse': store(f'{name}二级库', f'{code}-WH',
                        'department').id,
                    'supply_warehouse': central.id,
                    } for name, code in [('心内科', 'XNK'), ('骨科', 'GK')]])
        return {
            'company': company.id,
            'keepers': [k.id for k in keepers],
            'central': central.id,
            'departments': [d.id for d in departments],
            }

    def _context(self):
        company = self.setup['company']
        return {'company': company, 'companies': [company]}

    def _product_with_last_units(self, name, quantity):
        "A product with one lot of which the central store holds quantity"
        pool = Pool()
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        Lot = pool.get('stock.lot')
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        Catalog = pool.get('med.department.catalog')
        Company = pool.get('company.company')
        unit, = Uom.search([('name', '=', 'Unit')])
        template, = Template.create([{
                    'name': name, 'type': 'goods', 'default_uom': unit.id,
                    'list_price': Decimal(1),
                    'products': [('create', [{}])],
                    }])
        product, = template.products
        Catalog.create([{
                    'department': d, 'product': product.id,
                    'par_level': 0,
                    } for d in self.setup['departments']])
        lot, = Lot.create([{
                    'number': f'{name}-L1', 'product': product.id,
                    'expiration_date': dt.date.today() + dt.timedelta(300),
                    }])
        supplier, = Location.search([('code', '=', 'SUP')])
        central = Location(self.setup['central'])
        move, = Move.create([{
                    'product': product.id, 'lot': lot.id,
                    'unit': unit.id, 'quantity': quantity,
                    'from_location': supplier.id,
                    'to_location': central.storage_location.id,
                    'unit_price': Decimal(1),
                    'currency': Company(self.setup['company']).currency.id,
                    'company': self.setup['company'],
                    }])
        Move.do([move])
        return product, lot

    def _lot_stock(self, product, lot):
        pool = Pool()
        Product = pool.get('product.product')
        Location = pool.get('stock.location')
        Date = pool.get('ir.date')
        central = Location(self.setup['central'])
        with Transaction().set_context(stock_date_end=Date.today()):
            physical = Product.products_by_location(
                [central.id], with_childs=True,
                grouping=('product', 'lot'),
                grouping_filter=([product.id],))
        with Transaction().set_context(
                stock_date_end=Date.today(), stock_assign=True):
            available = Product.products_by_location(
                [central.id], with_childs=True,
                grouping=('product', 'lot'),
                grouping_filter=([product.id],))
        key = (central.id, product.id, lot.id)
        return physical.get(key, 0), available.get(key, 0)

    def test_process_last_units(self):
        "Two requisitions processed at once for the last 5 units"
        pool = Pool(DB_NAME)
        Requisition = pool.get('med.requisition')
        with Transaction().start(
                DB_NAME, 0, context=self._context()) as transaction:
            product, lot = self._product_with_last_units('注射器A', 5)
            requisitions = Requisition.create([{
                        'company': self.setup['company'],
                        'department': d,
                        'warehouse': self.setup['central'],
                        'lines': [('create', [{
                                        'product': product.id,
                                        'unit': product.default_uom.id,
                                        'quantity': 5,
                                        }])],
                        } for d in self.setup['departments']])
            Requisition.write(requisitions, {'state': 'approved'})
            transaction.commit()
        ids = [r.id for r in requisitions]
        keepers = self.setup['keepers']

        started = time.monotonic()
        outcomes = _race(
            keepers, self._context(), 'med.requisition', 'process', ids)
        duration = time.monotonic() - started

        results = sorted(outcomes.values())
        self.assertEqual(
            [r[0] for r in results], ['error', 'ok'], msg=outcomes)
        self.assertIn("Nothing can be issued", results[0][1])
        # the loser is told why: the winner's issue holds the last units
        self.assertIn('"注射器A" 5', results[0][1])
        self.assertIn("reserved by other issues", results[0][1])
        with Transaction().start(DB_NAME, 0, context=self._context()):
            physical, available = self._lot_stock(product, lot)
            self.assertEqual((physical, available), (5, 0))
            states = sorted(r.state for r in Requisition.browse(ids))
            self.assertEqual(states, ['approved', 'processing'])
            issued = [
                s for r in Requisition.browse(ids) for s in r.shipments]
            self.assertEqual(len(issued), 1)
            self.assertEqual(
                [(m.lot.id, m.quantity) for m in issued[0].outgoing_moves],
                [(lot.id, 5)])
        self.assertLess(duration, 120)

    def test_ship_last_units(self):
        "Two forced issues shipped at once for the last 5 units"
        pool = Pool(DB_NAME)
        Shipment = pool.get('stock.shipment.internal')
        Move = pool.get('stock.move')
        Department = pool.get('med.department')
        with Transaction().start(
                DB_NAME, 0, context=self._context()) as transaction:
            product, lot = self._product_with_last_units('导尿管B', 5)
            shipments = []
            for department in Department.browse(self.setup['departments']):
                from_ = department.supply_warehouse.storage_location
                to = department.warehouse.storage_location
                shipments.append(Shipment(
                        company=self.setup['company'],
                        department=department,
                        from_location=from_, to_location=to,
                        moves=[Move(
                                product=product, lot=lot,
                                unit=product.default_uom, quantity=5,
                                from_location=from_, to_location=to,
                                company=self.setup['company'])]))
            Shipment.save(shipments)
            Shipment.wait(shipments)
            Shipment.assign_force(shipments)
            Shipment.pack(shipments)
            transaction.commit()
        ids = [s.id for s in shipments]

        outcomes = _race(
            self.setup['keepers'], self._context(),
            'stock.shipment.internal', 'ship', ids)

        results = sorted(outcomes.values())
        self.assertEqual(
            [r[0] for r in results], ['error', 'ok'], msg=outcomes)
        self.assertIn("Not enough stock of \"导尿管B\"", results[0][1])
        with Transaction().start(DB_NAME, 0, context=self._context()):
            physical, _ = self._lot_stock(product, lot)
            self.assertEqual(physical, 0)
            states = sorted(s.state for s in Shipment.browse(ids))
            self.assertEqual(states, ['packed', 'shipped'])
