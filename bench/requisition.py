"""请领单 at 1,000 lines: create, open, submit + approve and issue.

Builds a scratch PostgreSQL database bench_req_<lines> (a copy of a template
made with createdb and trytond-admin activating med_lowvalue) holding,
created through the ORM: a company, 中心库 (central store, 4 bins) and 心内科 with its
department store, a ward user, its head and the keeper of 中心库 (each with
an employee, as scenario tools create them), --products products (default
1,200) with a contract price (med.catalog) and an entry of the department's
requisition catalogue (par level 50, maximum 200), and stock in 中心库:
three lots per product (expiring in 200-700 days; the first to expire is
never in the first bin), received by done stock.move batches of 1,000.

Then, --runs times after one warm-up run, each run on a fresh requisition,
each step in its own transaction as the role does it through the model
layer (the user's preferences as context, check_access as the dispatcher
sets it, buttons through ModelView.button, reads in a readonly transaction
as the read RPC):

  requisition (med_lowvalue)
    create   the ward saves a requisition with --lines lines in one create
    open     what sao asks when the form opens: fields_view_get of the form,
             read of the header fields of the view (with the names of the
             Many2One, _timestamp, _write, _delete) and read of the fields
             of the lines' list view (embedded in the form's view) for all
             the lines in one call
    open_sao what sao 8.0 itself sends: one read of the header fields with
             the list fields of the lines inline (lines.product, ...) and
             the context related_read_limit = 20 (Sao.config.display_size):
             the first 20 lines; the others are read as the list scrolls
    submit   the ward submits (上报): catalogue and maximum checks again
    approve  the head approves (ir.model.button.rule evaluated)
    issue    the keeper clicks process: one internal shipment from 中心库,
             waited, moves assigned lot by lot first expiry first out
             (FEFO), the incoming moves synchronised, assigned
  baseline (Tryton's own stock.shipment.internal, no department, same
  products, same stores, as the keeper)
    create   a shipment with --lines moves in one create
    open, open_sao  the same reads on its form (incoming and outgoing
             moves)
    assign   wait + assign_try buttons (Tryton's code: no lots, by product)
    assign_lot  wait + stock.move assign_try by (product, lot) in one call
             + _sync_moves + assign: the issue's lot assignment done the
             way it was before it was sliced (see shipment.py), without the
             requisition around it

Python runs under -O (see bench/__main__.py).  The template database
bench_req_template is kept and reused while the modules' sources are
unchanged (--any-template reuses it anyway).  --profile STEP writes a
cProfile of that step of the last run to $TMPDIR/requisition_STEP.prof and
prints the top of it.  Each step records its wall time and the CPU time of
this process (Python side; PostgreSQL's own time is in the wall time only):
on a shared machine the CPU time varies less.

Results go to bench/results/requisition.json (keyed by --lines, or
--label); --report prints them, with after/before ratios when a
"<key>-before" entry exists (figures of an older med_lowvalue measured with
PYTHONPATH pointing at a copy of it, see docs/performance.md).
"""
import cProfile
import datetime as dt
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from .setup import people_and_places
from .stock_position import (
    _load_setup, _save_setup, _server_version, configure, create_database,
    fingerprint, log, pg_env, start_pool, stop_pool, template_fingerprint,
    write_config)

RESULTS = Path(__file__).resolve().parent / 'results' / 'requisition.json'
BINS = 4
LOTS_PER_PRODUCT = 3
LOT_QUANTITY = 1000
LINE_QUANTITY = 10
PAR_LEVEL = 50
MAX_QUANTITY = 200
CONTRACT_PRICE = Decimal('0.45')
TARGETS_MS = {'create': 2000, 'open': 1000, 'issue': 3000}
STEPS = ['create', 'create_rpc', 'create_rpc_unguarded', 'convert_rpc',
    'convert_rpc_unguarded', 'open', 'open_sao',
    'submit', 'approve', 'issue']
BASELINE_STEPS = ['create', 'open', 'open_sao', 'assign', 'assign_lot']
SAO_DISPLAY_SIZE = 20  # Sao.config.display_size


def add_arguments(parser):
    parser.add_argument('--lines', type=int, default=1000,
        help="lines of the requisition (default 1000)")
    parser.add_argument('--products', type=int, default=1200,
        help="products in the catalogue and in stock (default 1200; at "
        "least --lines)")
    parser.add_argument('--runs', type=int, default=5,
        help="measured runs (median; default 5), each on a fresh "
        "requisition, after one warm-up run")
    parser.add_argument('--uri',
        default='postgresql://postgres@127.0.0.1:5432/',
        help="PostgreSQL URI of the server")
    parser.add_argument('--database', help="default bench_req_<lines>")
    parser.add_argument('--fresh', action='store_true',
        help="rebuild the template database")
    parser.add_argument('--any-template', action='store_true',
        help="use the existing template even if the modules' sources "
        "changed since it was built")
    parser.add_argument('--keep', action='store_true',
        help="keep the database afterwards (default: dropped; the "
        "template bench_req_template is always kept)")
    parser.add_argument('--jit', choices=['on', 'off'], default='off',
        help="PostgreSQL JIT for the session (default off, as deployed)")
    parser.add_argument('--no-baseline', action='store_true',
        help="measure the requisition only")
    parser.add_argument('--profile', metavar='STEP',
        choices=STEPS + [f'baseline_{s}' for s in BASELINE_STEPS],
        help="cProfile this step of the last run")
    parser.add_argument('--steps', metavar='STEP,...',
        help="run only these steps (e.g. create_rpc,create_rpc_unguarded "
        "for the RPC guard's cost); default all")
    parser.add_argument('--label',
        help="key of the results (default: the number of lines); e.g. "
        "1000-before to keep the figures of a version")
    parser.add_argument('--report', action='store_true',
        help="print the results recorded so far and exit")


def run_transaction(database, user, function, context=None, commit=True,
        readonly=False):
    """Run function in its own transaction, restarted on lock requests as
    Tryton's dispatcher does; returns (result, restarts)"""
    from trytond.transaction import Transaction, TransactionError
    extras = {}
    restarts = 0
    while True:
        with Transaction().start(database, user, context=context or {},
                readonly=readonly, **extras) as transaction:
            try:
                result = function()
            except TransactionError as e:
                transaction.rollback()
                e.fix(extras)
                restarts += 1
                continue
            if commit:
                transaction.commit()
            else:
                transaction.rollback()
            return result, restarts


def call(database, user, function, context=None, commit=True):
    return run_transaction(database, user, function, context, commit)[0]


# ------------------------------------------------------------ data

PEOPLE = [
    ('ward', '心内科护士', ['department']),
    ('head', '心内科主任', ['department_head']),
    ('keeper', '中心库库管员', ['warehouse']),
    ]


def build_people_and_places(database):
    "Company, the three roles, 中心库 with its bins, 心内科 (scenario tools)"
    places = people_and_places(database, PEOPLE,
        stores=[('中心库', 'ZXK', 'central', BINS)],
        departments=[('心内科', 'XNK', 'ZXK', ['ward'], 'head')])
    users = places['users']
    return {
        'company': places['company'],
        'currency': places['currency'],
        'ward': users['ward'],
        'head': users['head'],
        'keeper': users['keeper'],
        'central': places['stores']['ZXK'],
        'central_storage': places['storages']['ZXK'],
        'bins': places['bins']['ZXK'],
        'department': places['departments']['XNK'],
        'department_store': places['department_stores']['XNK'],
        'department_storage': places['storages']['XNK-WH'],
        }


def build_master_data(setup, products):
    "Products with contract prices and the department's catalogue (ORM)"
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    Party = pool.get('party.party')
    Template = pool.get('product.template')
    Product = pool.get('product.product')
    Uom = pool.get('product.uom')
    Catalog = pool.get('med.catalog')
    DepartmentCatalog = pool.get('med.department.catalog')

    with Transaction().set_context(company=setup['company']):
        distributor, = Party.create([{
                    'name': '国药控股江城医疗器械有限公司',
                    'is_distributor': True}])

        unit, = Uom.search([('name', '=', 'Unit')])
        for start in range(0, products, 500):
            Template.create([{
                        'name': f'耗材{i:05d}', 'type': 'goods',
                        'default_uom': unit.id, 'list_price': Decimal('1'),
                        'specification': f'规格{i % 40}',
                        'consumable_class': 'low',
                        'products': [('create', [{}])],
                        } for i in range(start, min(start + 500, products))])
        product_ids = [p.id for p in Product.search(
                [], order=[('id', 'ASC')])]
        for start in range(0, products, 500):
            ids = product_ids[start:start + 500]
            Catalog.create([{
                        'company': setup['company'], 'product': p,
                        'distributor': distributor.id,
                        'contract_price': CONTRACT_PRICE,
                        'currency': setup['currency'],
                        } for p in ids])
            DepartmentCatalog.create([{
                        'department': setup['department'], 'product': p,
                        'par_level': PAR_LEVEL,
                        'max_quantity': MAX_QUANTITY,
                        } for p in ids])
    return dict(setup, unit=unit.id, products=product_ids)


def build_stock(setup):
    """Three lots per product received into the bins of 中心库 by done
    moves, in batches of 1,000 through stock.move (the balance table kept
    by the moves, as on a live server)"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    Lot = pool.get('stock.lot')
    Move = pool.get('stock.move')
    ModelData = pool.get('ir.model.data')
    supplier = ModelData.get_id('stock', 'location_supplier')
    today = dt.date.today()
    received = today - dt.timedelta(days=30)
    bins = setup['bins']
    lots = []
    for n, product in enumerate(setup['products']):
        for k in range(LOTS_PER_PRODUCT):
            lots.append({
                    'number': f'L{n:05d}-{k}',
                    'product': product,
                    # k = 0 expires first; it lies in bin (n + 1) % BINS
                    'expiration_date': today + dt.timedelta(
                        days=200 + 200 * k + n % 50),
                    })
    count = 0
    with Transaction().set_context(company=setup['company']):
        for start in range(0, len(lots), 1000):
            created = Lot.create(lots[start:start + 1000])
            moves = Move.create([{
                        'product': lot.product.id,
                        'lot': lot.id,
                        'unit': setup['unit'],
                        'quantity': LOT_QUANTITY,
                        'from_location': supplier,
                        'to_location': bins[
                            (int(lot.number[1:6]) + 1 + int(lot.number[-1]))
                            % len(bins)],
                        'planned_date': received,
                        'effective_date': received,
                        'company': setup['company'],
                        'unit_price': CONTRACT_PRICE,
                        'currency': setup['currency'],
                        } for lot in created])
            Move.do(moves)
            count += len(moves)
    return count


def build_template(args, config_file):
    log("building template %s: activating med_lowvalue (a few minutes, "
        "once)", args.template)
    start = time.perf_counter()
    create_database(args, config_file, args.template)
    activate = round(time.perf_counter() - start, 1)
    start_pool(args.template)
    log("master data: company, 3 users, 中心库 (%s bins), 心内科, %s products "
        "with catalogues", BINS, args.products)
    start = time.perf_counter()
    setup = build_people_and_places(args.template)
    setup = call(args.template, 0,
        lambda: build_master_data(setup, args.products))
    master = round(time.perf_counter() - start, 1)
    log("stock: %s lots per product, done moves in batches of 1,000",
        LOTS_PER_PRODUCT)
    start = time.perf_counter()
    setup['stock_moves'] = call(args.template, 0, lambda: build_stock(setup))
    stock = round(time.perf_counter() - start, 1)
    log("  %s moves in %.1f s", setup['stock_moves'], stock)
    setup['fingerprint'] = fingerprint()
    setup['template_timings'] = {
        'activate_s': activate, 'master_data_s': master, 'stock_s': stock}
    call(args.template, 0, lambda: _save_setup(setup))
    stop_pool(args.template)
    subprocess.run(['psql', '-qc', 'VACUUM ANALYZE', args.template],
        env=pg_env(args), check=True)


def template_products(args):
    if not template_fingerprint(args):
        return None
    result = subprocess.run(['psql', '-Atc', "SELECT data FROM bench_setup",
            args.template], env=pg_env(args), capture_output=True, text=True)
    return len(json.loads(result.stdout)['products'])


# ------------------------------------------------------------ the roles

def user_context(database, user):
    "The context sao sends: the user's preferences"
    from trytond.pool import Pool

    def preferences():
        User = Pool().get('res.user')
        return User.get_preferences(context_only=True)
    return call(database, user, preferences, commit=False)


def sao_fields(fields):
    "What sao reads for the fields of a view"
    names = list(fields)
    names += [f'{n}.rec_name' for n, f in fields.items()
        if f['type'] in {'many2one', 'one2one', 'reference'}]
    return names + ['rec_name', '_timestamp', '_write', '_delete']


def open_form(model, record_id):
    """What opening the form asks: the form view, the header fields of it,
    then the fields of the list view of each One2Many of the form for all
    of its records.  Returns the number of sub-records read."""
    from trytond.pool import Pool
    from trytond.transaction import check_access
    pool = Pool()
    Model = pool.get(model)
    with check_access():
        fields = Model.fields_view_get(view_type='form')['fields']
        record, = Model.read([record_id], sao_fields(fields))
        rows = 0
        for name, sub_view in x2m_views(fields).items():
            if record[name]:
                Relation = pool.get(fields[name]['relation'])
                Relation.read(record[name], sao_fields(sub_view['fields']))
                rows += len(record[name])
    return rows


def open_form_sao(model, record_id):
    """What sao 8.0 sends when the form opens (Sao.Record.load): one read of
    the header with the list fields of the One2Many inline, limited to the
    rows it displays.  Returns the number of sub-records read."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction, check_access
    Model = Pool().get(model)
    with check_access():
        fields = Model.fields_view_get(view_type='form')['fields']
        names = sao_fields(fields)
        for name, sub_view in x2m_views(fields).items():
            names += [f'{name}.{n}' for n in sao_fields(sub_view['fields'])
                if n != 'rec_name']
        with Transaction().set_context(related_read_limit=SAO_DISPLAY_SIZE):
            record, = Model.read([record_id], names)
    return sum(
        1 for name in x2m_views(fields) for r in record[f'{name}.'] or []
        if len(r) > 1)


def x2m_views(fields):
    "The list view of each One2Many/Many2Many of a form, by field name"
    views = {}
    for name, field in fields.items():
        if field['type'] not in {'one2many', 'many2many'}:
            continue
        sub_views = field.get('views') or {}
        sub_view = sub_views.get('tree') or next(
            iter(sub_views.values()), None)
        if sub_view:
            views[name] = sub_view
    return views


def create_requisition(setup, products):
    from trytond.pool import Pool
    from trytond.transaction import check_access
    Requisition = Pool().get('med.requisition')
    with check_access():
        requisition, = Requisition.create([{
                    'company': setup['company'],
                    'department': setup['department'],
                    'warehouse': setup['central'],
                    'request_date': dt.date.today(),
                    'lines': [('create', [{
                                    'product': p,
                                    'quantity': LINE_QUANTITY,
                                    'unit': setup['unit'],
                                    } for p in products])],
                    }])
    return requisition.id


def create_requisition_rpc(setup, products, context, guarded=True,
        convert_only=False):
    """The create as the dispatcher runs it: RPC.convert (the RPC guard of
    med_consumables_base checks every value of every line there), then the
    method. guarded=False converts with Tryton's own RPC.convert: the same
    call without the guard, for the ratio."""
    from trytond.pool import Pool
    from trytond.rpc import RPC
    from trytond.transaction import Transaction
    Requisition = Pool().get('med.requisition')
    vlist = [{
            'department': setup['department'],
            'warehouse': setup['central'],
            'request_date': dt.date.today(),
            'lines': [('create', [{
                            'product': p,
                            'quantity': LINE_QUANTITY,
                            'unit': setup['unit'],
                            } for p in products])],
            }]
    rpc = Requisition.__rpc__['create']
    convert = rpc.convert if guarded else (
        lambda *a, **k: RPC.convert(rpc, *a, **k))
    c_args, c_kwargs, ctx, _ = convert(Requisition, vlist, dict(context))
    if convert_only:
        return None
    with Transaction().set_context(ctx):
        requisition, = Requisition.create(*c_args, **c_kwargs)
    return requisition.id


def button(model, name, record_id):
    from trytond.pool import Pool
    from trytond.transaction import check_access
    Model = Pool().get(model)
    with check_access():
        getattr(Model, name)([Model(record_id)])


def issued(requisition_id):
    "Shipments, outgoing moves and lots of the issue"
    from trytond.pool import Pool
    Requisition = Pool().get('med.requisition')
    requisition = Requisition(requisition_id)
    moves = [m for s in requisition.shipments for m in s.outgoing_moves]
    return {
        'state': requisition.state,
        'shipments': [s.state for s in requisition.shipments],
        'moves': len(moves),
        'moves_with_lot': sum(1 for m in moves if m.lot),
        'fefo': all(m.lot.number.endswith('-0') for m in moves),
        }


def create_shipment(setup, products):
    from trytond.pool import Pool
    from trytond.transaction import check_access
    Shipment = Pool().get('stock.shipment.internal')
    today = dt.date.today()
    with check_access():
        shipment, = Shipment.create([{
                    'company': setup['company'],
                    'from_location': setup['central_storage'],
                    'to_location': setup['department_storage'],
                    'planned_date': today,
                    'planned_start_date': today,
                    'moves': [('create', [{
                                    'company': setup['company'],
                                    'product': p,
                                    'unit': setup['unit'],
                                    'quantity': LINE_QUANTITY,
                                    'from_location': setup['central_storage'],
                                    'to_location': setup['department_storage'],
                                    'planned_date': today,
                                    } for p in products])],
                    }])
    return shipment.id


def assign_shipment(shipment_id):
    "Tryton's buttons: wait, then assign_try (by product, no lots)"
    from trytond.pool import Pool
    from trytond.transaction import check_access
    Shipment = Pool().get('stock.shipment.internal')
    with check_access():
        Shipment.wait([Shipment(shipment_id)])
        Shipment.assign_try([Shipment(shipment_id)])
    return Shipment(shipment_id).state


def assign_shipment_by_lot(shipment_id):
    """Tryton's wait, then stock.move assign_try by (product, lot) and
    assign: what the issue does without its requisition"""
    from trytond.pool import Pool
    from trytond.transaction import check_access
    pool = Pool()
    Shipment = pool.get('stock.shipment.internal')
    Move = pool.get('stock.move')
    with check_access():
        Shipment.wait([Shipment(shipment_id)])
        shipment = Shipment(shipment_id)
        Move.assign_try(list(shipment.outgoing_moves),
            grouping=('product', 'lot'))
        Shipment._sync_moves([Shipment(shipment_id)])
        Shipment.assign([Shipment(shipment_id)])
    shipment = Shipment(shipment_id)
    return shipment.state, sum(1 for m in shipment.outgoing_moves if m.lot)


# ------------------------------------------------------------ run

def measure(args, setup):
    database = args.database
    products = setup['products'][:args.lines]
    roles = {r: setup[r] for r in ['ward', 'head', 'keeper']}
    contexts = {r: user_context(database, u) for r, u in roles.items()}
    timings = {s: [] for s in STEPS}
    timings.update({f'baseline_{s}': [] for s in BASELINE_STEPS})
    cpu = {name: [] for name in timings}
    restarts = {}
    checks = {}
    profile_file = None

    def step(name, role, function, commit=True, profile=False):
        # read is a readonly RPC: Function fields stay in the record cache
        readonly = not commit
        profiler = cProfile.Profile() if profile else None
        start = time.perf_counter()
        start_cpu = time.process_time()
        if profiler:
            profiler.enable()
        result, restart = run_transaction(database, roles[role], function,
            contexts[role], commit=commit, readonly=readonly)
        if profiler:
            profiler.disable()
        ms = (time.perf_counter() - start) * 1000
        cpu_ms = (time.process_time() - start_cpu) * 1000
        return result, restart, ms, cpu_ms, profiler

    selected = set(args.steps.split(',')) if args.steps else set()
    unknown = selected - set(timings)
    if unknown:
        raise SystemExit(f"unknown steps: {', '.join(sorted(unknown))}")
    if selected - {'create_rpc', 'create_rpc_unguarded', 'convert_rpc',
            'convert_rpc_unguarded'}:
        # the later steps work on the requisition that create makes
        selected.add('create')
    total = args.runs + 1
    for run_ in range(total):
        warm_up = run_ == 0
        last = run_ == total - 1
        measured = {}

        def timed(name, role, function, commit=True):
            nonlocal profile_file
            if selected and name not in selected:
                return None
            profile = last and args.profile == name
            result, restart, ms, cpu_ms, profiler = step(
                name, role, function, commit=commit, profile=profile)
            measured[name] = ms
            if not warm_up:
                timings[name].append(ms)
                cpu[name].append(cpu_ms)
                restarts[name] = max(restarts.get(name, 0), restart)
            if profiler:
                profile_file = (
                    Path(tempfile.gettempdir()) / f'requisition_{name}.prof')
                profiler.dump_stats(profile_file)
            return result

        timed('create_rpc', 'ward', lambda: create_requisition_rpc(
                setup, products, contexts['ward']))
        timed('create_rpc_unguarded', 'ward',
            lambda: create_requisition_rpc(
                setup, products, contexts['ward'], guarded=False))
        # RPC.convert alone, guarded and not: the guard's own cost, free of
        # the noise of the create around it
        timed('convert_rpc', 'ward', lambda: create_requisition_rpc(
                setup, products, contexts['ward'], convert_only=True),
            commit=False)
        timed('convert_rpc_unguarded', 'ward', lambda: create_requisition_rpc(
                setup, products, contexts['ward'], guarded=False,
                convert_only=True), commit=False)
        requisition = timed('create', 'ward',
            lambda: create_requisition(setup, products))
        if selected and not (selected - {'create', 'create_rpc',
                    'create_rpc_unguarded', 'convert_rpc',
                    'convert_rpc_unguarded'}):
            # Only the creates were asked for: nothing else to time.
            log("  %s %s", 'warm-up' if warm_up else f'run {run_}',
                '  '.join(f'{k} {v:,.0f}' for k, v in measured.items()))
            continue
        checks['lines_read'] = timed('open', 'ward',
            lambda: open_form('med.requisition', requisition), commit=False)
        checks['lines_read_sao'] = timed('open_sao', 'ward',
            lambda: open_form_sao('med.requisition', requisition),
            commit=False)
        timed('submit', 'ward',
            lambda: button('med.requisition', 'submit', requisition))
        timed('approve', 'head',
            lambda: button('med.requisition', 'approve', requisition))
        timed('issue', 'keeper',
            lambda: button('med.requisition', 'process', requisition))
        checks['issue'] = call(database, 0, lambda: issued(requisition))
        if not args.no_baseline:
            shipment = timed('baseline_create', 'keeper',
                lambda: create_shipment(setup, products))
            checks['baseline_moves_read'] = timed('baseline_open', 'keeper',
                lambda: open_form('stock.shipment.internal', shipment),
                commit=False)
            checks['baseline_moves_read_sao'] = timed(
                'baseline_open_sao', 'keeper',
                lambda: open_form_sao('stock.shipment.internal', shipment),
                commit=False)
            checks['baseline_assign'] = timed('baseline_assign', 'keeper',
                lambda: assign_shipment(shipment))
            shipment = call(database, setup['keeper'],
                lambda: create_shipment(setup, products),
                contexts['keeper'])
            checks['baseline_assign_lot'] = timed(
                'baseline_assign_lot', 'keeper',
                lambda: assign_shipment_by_lot(shipment))
        log("  %s %s", 'warm-up' if warm_up else f'run {run_}',
            '  '.join(f'{k} {v:,.0f}' for k, v in measured.items()))
    log("checks: %s", checks)
    log("restarts (transaction restarted for Model.lock): %s", restarts)
    results = {name: {
            'ms': round(statistics.median(values), 1),
            'cpu_ms': round(statistics.median(cpu[name]), 1),
            'runs_ms': [round(v, 1) for v in values],
            } for name, values in timings.items() if values}
    if profile_file:
        log("profile of %s written to %s", args.profile, profile_file)
        stats = pstats.Stats(str(profile_file))
        stats.sort_stats('cumulative').print_stats(40)
        stats.sort_stats('tottime').print_stats(25)
    return results, checks, restarts


def run(args):
    if args.report:
        return report()
    if args.lines > args.products:
        args.products = args.lines
    args.database = args.database or f'bench_req_{args.lines}'
    args.template = 'bench_req_template'
    os.environ['PGOPTIONS'] = (os.environ.get('PGOPTIONS', '')
        + f' -c jit={args.jit}').strip()
    config_file = write_config(args.uri)
    begin = time.perf_counter()
    try:
        configure(config_file)
        found = template_fingerprint(args)
        if (args.fresh or not found
                or (found != fingerprint() and not args.any_template)
                or template_products(args) < args.products):
            build_template(args, config_file)
        log("copying %s to %s", args.template, args.database)
        subprocess.run(['dropdb', '--if-exists', args.database],
            env=pg_env(args), check=True)
        subprocess.run(['createdb', '-T', args.template, args.database],
            env=pg_env(args), check=True)
        start_pool(args.database)
        setup = call(args.database, 0, _load_setup)
        log("measuring a %s-line requisition (median of %s runs after a "
            "warm-up)", args.lines, args.runs)
        results, checks, restarts = measure(args, setup)
        record(args, setup, results, checks, restarts,
            round(time.perf_counter() - begin, 1))
        report()
    finally:
        os.remove(config_file)
        if not args.keep:
            try:
                stop_pool(args.database)
            except Exception:
                pass
            subprocess.run(['dropdb', '--if-exists', args.database],
                env=pg_env(args))


def record(args, setup, results, checks, restarts, total):
    import trytond
    RESULTS.parent.mkdir(exist_ok=True)
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[args.label or str(args.lines)] = {
        'date': dt.datetime.now().isoformat(timespec='seconds'),
        'command': ' '.join(['.venv/bin/python -m bench'] + sys.argv[1:]),
        'machine': f'{platform.node()} {platform.machine()}, '
        f'{os.cpu_count()} cores, Python {platform.python_version()}, '
        f'trytond {trytond.__version__}, PostgreSQL '
        + call(args.database, 0, _server_version),
        'jit': args.jit,
        'python_optimize': sys.flags.optimize,
        'runs': args.runs,
        'lines': args.lines,
        'products': len(setup['products']),
        'stock_moves': setup['stock_moves'],
        'timings': setup.get('template_timings', {}),
        'total_s': total,
        'checks': checks,
        'restarts': restarts,
        'results': results,
        }
    RESULTS.write_text(json.dumps(data, indent=2, ensure_ascii=False))


def report():
    if not RESULTS.exists():
        print("no results yet: run python -m bench requisition")
        return 1
    data = json.loads(RESULTS.read_text())
    for key, entry in data.items():
        r = entry['results']

        def ms(name, kind='ms'):
            return r[name][kind] if name in r else None
        print(f"\n请领单 {entry['lines']:,d} lines [{key}] — median of "
            f"{entry['runs']} runs, {entry['date']}")
        print(f"  {'step':24}{'wall ms':>11}{'CPU ms':>11}")
        names = STEPS + ['submit + approve'] + [
            f'baseline_{s}' for s in BASELINE_STEPS]
        for name in names:
            if name == 'submit + approve':
                if 'submit' not in r or 'approve' not in r:
                    continue
                wall = ms('submit') + ms('approve')
                cpu = ms('submit', 'cpu_ms') + ms('approve', 'cpu_ms')
            elif name in r:
                wall, cpu = ms(name), ms(name, 'cpu_ms')
            else:
                continue
            line = f"  {name:24}{wall:>11,.1f}{cpu:>11,.1f}"
            if name in TARGETS_MS:
                target = TARGETS_MS[name]
                line += (f"   target ≤ {target:,d} ms: "
                    + ('met' if wall <= target else 'missed'))
            print(line)
        if 'baseline_create' in r:
            for kind in ['ms', 'cpu_ms']:
                def ratio(name, baseline):
                    return ms(name, kind) / ms(baseline, kind)
                print(f"  ratios ({'wall' if kind == 'ms' else 'CPU'}): "
                    f"create {ratio('create', 'baseline_create'):.2f}x"
                    f"  open {ratio('open', 'baseline_open'):.2f}x"
                    f"  open_sao {ratio('open_sao', 'baseline_open_sao'):.2f}x"
                    f"  issue / assign "
                    f"{ratio('issue', 'baseline_assign'):.2f}x"
                    f"  issue / assign by lot "
                    f"{ratio('issue', 'baseline_assign_lot'):.2f}x")
        if 'create_rpc_unguarded' in r:
            print("  RPC guard (create through RPC.convert, guarded / "
                "unguarded): "
                f"wall {ms('create_rpc') / ms('create_rpc_unguarded'):.3f}x  "
                f"CPU {ms('create_rpc', 'cpu_ms') / ms('create_rpc_unguarded', 'cpu_ms'):.3f}x")
        if 'convert_rpc' in r and 'create_rpc_unguarded' in r:
            for kind in ['ms', 'cpu_ms']:
                extra = ms('convert_rpc', kind) - ms(
                    'convert_rpc_unguarded', kind)
                print(f"  RPC guard's own cost ({'wall' if kind == 'ms' else 'CPU'}): "
                    f"{extra:,.1f} ms = "
                    f"{100 * extra / ms('create_rpc_unguarded', kind):.1f} % "
                    "of the unguarded create")
        before = data.get(f'{key}-before')
        if before:
            b = before['results']
            print("  after / before (wall, CPU): " + '  '.join(
                    f"{n} {ms(n) / b[n]['ms']:.2f}x "
                    f"{ms(n, 'cpu_ms') / b[n]['cpu_ms']:.2f}x"
                    for n in STEPS if n in b and 'cpu_ms' in b[n]))
    return 0
