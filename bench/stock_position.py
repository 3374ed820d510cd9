"""库存查询 at scale: the balance table against Tryton's own stock computation.

Builds a scratch PostgreSQL database bench_pos_<moves> (a copy of a template
made with createdb and trytond-admin activating med_lowvalue), fills it with bulk SQL — 2,000
products, 20 stores (the central store with 10 bins), one lot per product
every two months with its expiry, 12 months of receipts, issues to the
department stores and consumption, up to yesterday — closes the months
before this one as a Tryton stock period (only the latest closed period
counts in Tryton's queries, so one period ending last month is the same
baseline as twelve monthly ones; --monthly closes them one by one and
records each close), rebuilds the balance table, then measures in the same
process, median of --runs runs after one warm-up run:

  (a) Tryton: Product.products_by_location grouped by (product, lot), for
      the central store (with its bins) and for one product, with the
      period closed and, rolled back, without it;
  (b) raw SQL: SUM over stock_move for the same;
  (c) the balance table read in raw SQL (3 columns), the SQL of
      med.stock.position (its table_query), and med.stock.position through
      the ORM as the warehouse keeper with check_access: what opening the
      list in sao costs (search limit 1000, read of the first 100 lines with
      names) and a search_read of every line (values only).

Python runs under -O (see bench/__main__.py; BENCH_ASSERTS=1 keeps the
asserts).  The template database bench_pos_template (activated modules and
master data) is kept and reused while the modules' sources are unchanged.

Results go to bench/results/stock_position.json; --report prints the table
of every size measured and the growth from the smallest to the largest.
"""
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / 'results' / 'stock_position.json'
MODULES = ['med_lowvalue']
PRODUCTS = 2000
DEPARTMENT_STORES = 18
BINS = 10
LOTS_PER_PRODUCT = 6
ISSUE_QUANTITY = 10


def add_arguments(parser):
    parser.add_argument('--moves', type=int, default=100000,
        help="stock moves to generate (default 100000)")
    parser.add_argument('--runs', type=int, default=5,
        help="measured runs per query (median; default 5)")
    parser.add_argument('--uri',
        default='postgresql://postgres@127.0.0.1:5432/',
        help="PostgreSQL URI of the server")
    parser.add_argument('--database', help="default bench_pos_<moves>")
    parser.add_argument('--reuse', action='store_true',
        help="measure the database kept by a previous run (--keep)")
    parser.add_argument('--fresh', action='store_true',
        help="rebuild the template database (activated modules and master "
        "data; rebuilt anyway when the modules' sources changed)")
    parser.add_argument('--any-template', action='store_true',
        help="use the existing template even if the modules' sources "
        "changed since it was built")
    parser.add_argument('--keep', action='store_true',
        help="keep the database afterwards (default: dropped; the "
        "template bench_pos_template is always kept)")
    parser.add_argument('--jit', choices=['on', 'off'], default='off',
        help="PostgreSQL JIT for the session (default off, as deployed)")
    parser.add_argument('--monthly', action='store_true',
        help="close the twelve month ends one by one (slow at 1M moves)")
    parser.add_argument('--report', action='store_true',
        help="print the results recorded so far and exit")


def log(message, *args):
    print(time.strftime('%H:%M:%S'), message % args if args else message,
        flush=True)


def median_ms(function, runs):
    function()  # warm-up: PostgreSQL buffers, Tryton caches of the pool
    timings = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), result


# ------------------------------------------------------------ database

def write_config(uri):
    config = tempfile.NamedTemporaryFile(
        'w', suffix='.conf', prefix='bench_', delete=False)
    config.write(f'[database]\nuri = {uri}\nlanguage = en\n')
    config.close()
    return config.name


def pg_env(args):
    env = dict(os.environ)
    env.setdefault('PGHOST', '127.0.0.1')
    env.setdefault('PGUSER', 'postgres')
    return env


def fingerprint():
    "Hash of the modules' sources: a template built from others is stale"
    import hashlib
    digest = hashlib.sha1()
    for path in sorted((ROOT / 'addons').glob('med_*/**/*')):
        if path.suffix in {'.py', '.xml', '.cfg'} and path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def database_exists(args, name):
    result = subprocess.run(['psql', '-Atc',
            f"SELECT 1 FROM pg_database WHERE datname = '{name}'",
            'postgres'], env=pg_env(args), capture_output=True, text=True)
    return result.stdout.strip() == '1'


def template_fingerprint(args):
    if not database_exists(args, args.template):
        return None
    result = subprocess.run(['psql', '-Atc',
            "SELECT data FROM bench_setup", args.template],
        env=pg_env(args), capture_output=True, text=True)
    if result.returncode or not result.stdout.strip():
        return None
    return json.loads(result.stdout).get('fingerprint')


def create_database(args, config_file, name):
    env = pg_env(args)
    subprocess.run(['dropdb', '--if-exists', name], env=env, check=True)
    subprocess.run(['createdb', '-E', 'UTF8', '-T', 'template0', name],
        env=env, check=True)
    admin = Path(sys.executable).parent / 'trytond-admin'
    with tempfile.NamedTemporaryFile('w', suffix='.pass') as passfile:
        passfile.write('bench-2026\n')
        passfile.flush()
        env['TRYTONPASSFILE'] = passfile.name
        subprocess.run([str(admin), '-c', config_file, '-d', name,
                '-u', *MODULES, '--activate-dependencies',
                '--email', 'admin@bench.example'],
            env=env, check=True, stdout=subprocess.DEVNULL)


def stop_pool(name):
    "Close the pool's connections (createdb -T needs none on the template)"
    from trytond import backend
    from trytond.pool import Pool
    Pool.stop(name)
    backend.Database(name).close()


def build_template(args, config_file):
    """The activated database with the master data, copied for each size
    (activation takes minutes; copying a database, seconds)."""
    log("building template %s: activating %s (a few minutes, once)",
        args.template, ', '.join(MODULES))
    start = time.perf_counter()
    create_database(args, config_file, args.template)
    activate = round(time.perf_counter() - start, 1)
    start_pool(args.template)
    log("master data: company, 20 stores, %s bins, %s departments, "
        "%s products", BINS, DEPARTMENT_STORES, PRODUCTS)
    start = time.perf_counter()
    setup = build_master_data(args.template)
    setup['fingerprint'] = fingerprint()
    setup['template_timings'] = {
        'activate_s': activate,
        'master_data_s': round(time.perf_counter() - start, 1),
        }
    run_transaction(args.template, 0, lambda: _save_setup(setup))
    stop_pool(args.template)


def configure(config_file):
    from trytond.config import config
    config.update_etc(config_file)
    from trytond.pool import Pool
    Pool.start()


def start_pool(name):
    from trytond.pool import Pool
    pool = Pool(name)
    pool.init()
    return pool


def run_transaction(database, user, function, context=None, commit=True):
    "Run function in its own transaction, restarting it on lock requests"
    from trytond.transaction import Transaction, TransactionError
    extras = {}
    while True:
        with Transaction().start(database, user, context=context or {},
                **extras) as transaction:
            try:
                result = function()
            except TransactionError as e:
                transaction.rollback()
                e.fix(extras)
                continue
            if commit:
                transaction.commit()
            else:
                transaction.rollback()
            return result


# ------------------------------------------------------------ data

def build_master_data(database):
    """Company, the keeper, 中心库 with its bins, 高值库, the departments and
    their stores (scenario tools), then the products (ORM)"""
    from decimal import Decimal

    from .setup import people_and_places
    places = people_and_places(database,
        [('keeper', '库管员', ['warehouse'])],
        stores=[('中心库', 'ZXK', 'central', BINS),
            ('高值库', 'GZK', 'high_value', 0)],
        departments=[(f'科室{i + 1:02d}', f'KS{i + 1:02d}', 'ZXK', [], None)
            for i in range(DEPARTMENT_STORES)])

    def products():
        from trytond.pool import Pool
        pool = Pool()
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        unit, = Uom.search([('name', '=', 'Unit')])
        for start in range(0, PRODUCTS, 500):
            Template.create([{
                        'name': f'耗材{i:05d}', 'type': 'goods',
                        'default_uom': unit.id, 'list_price': Decimal('1'),
                        'specification': f'规格{i % 40}',
                        'consumable_class': 'high' if i % 10 == 0 else 'low',
                        'products': [('create', [{}])],
                        } for i in range(start, min(start + 500, PRODUCTS))])
    run_transaction(database, 0, products,
        context={'company': places['company']})
    return {
        'company': places['company'],
        'currency': places['currency'],
        'keeper': places['users']['keeper'],
        'central': places['stores']['ZXK'],
        'bins': places['bins']['ZXK'],
        }


def generate_moves(moves, company, currency, bins, start, end):
    """Lots and done moves with INSERT ... SELECT generate_series.

    For each product, one lot every two months (expiring 200-500 days after
    it came in), received into one of the central bins, then issued in
    pairs: bin → a department store, department store → 临床消耗.  Every
    lot but the last is used up; the last leaves stock in the central bin
    and half of each issue in the department stores.
    """
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    cursor = Transaction().connection.cursor()
    supplier = ModelData.get_id('stock', 'location_supplier')
    clinical = ModelData.get_id(
        'med_consumables_base', 'location_clinical_consumption')
    cursor.execute(
        "SELECT l.id FROM stock_location l "
        "JOIN stock_location w ON w.storage_location = l.id "
        "WHERE w.warehouse_kind = 'department' ORDER BY w.code")
    departments = [r[0] for r in cursor]
    per_lot = moves / (PRODUCTS * LOTS_PER_PRODUCT)
    pairs = max(1, round((per_lot - 1) / 2))
    days = (end - start).days
    span = days // LOTS_PER_PRODUCT
    last = LOTS_PER_PRODUCT - 1

    cursor.execute(
        "CREATE TEMP TABLE bench_product AS "
        "SELECT p.id, (row_number() OVER (ORDER BY p.id) - 1)::int AS n, "
        "t.default_uom AS uom FROM product_product p "
        "JOIN product_template t ON t.id = p.template")
    cursor.execute(
        "INSERT INTO stock_lot (number, product, expiration_date, recalled, "
        "create_uid, create_date) "
        "SELECT 'L' || lpad(p.n::text, 5, '0') || '-' || k, p.id, "
        "%s::date + k * %s::int + 200 + (p.n * 37) %% 300, false, 0, now() "
        "FROM bench_product p CROSS JOIN generate_series(0, %s) k",
        (start, span, last))
    cursor.execute(
        "CREATE TEMP TABLE bench_lot AS "
        "SELECT l.id, p.id AS product, p.n, p.uom, "
        "split_part(l.number, '-', 2)::int AS k "
        "FROM stock_lot l JOIN bench_product p ON p.id = l.product")
    cursor.execute(
        "CREATE TEMP TABLE bench_bin (n int, id int)")
    cursor.execute(
        "INSERT INTO bench_bin SELECT i - 1, id FROM unnest(%s::int[]) "
        "WITH ORDINALITY AS b(id, i)", (bins,))
    cursor.execute(
        "CREATE TEMP TABLE bench_dept (n int, id int)")
    cursor.execute(
        "INSERT INTO bench_dept SELECT i - 1, id FROM unnest(%s::int[]) "
        "WITH ORDINALITY AS d(id, i)", (departments,))

    columns = ("product, unit, quantity, internal_quantity, from_location, "
        "to_location, planned_date, effective_date, state, company, lot, "
        "unit_price, currency, unit_price_updated, create_uid, create_date")
    # Receipts: supplier → central bin
    cursor.execute(
        f"INSERT INTO stock_move ({columns}) "
        "SELECT l.product, l.uom, q, q, %s, b.id, d, d, 'done', %s, l.id, "
        "1, %s, false, 0, now() "
        "FROM (SELECT l.*, "
        "  (%s * %s + CASE WHEN l.k = %s THEN 200 ELSE 0 END)::float AS q, "
        "  %s::date + l.k * %s::int AS d FROM bench_lot l) l "
        "JOIN bench_bin b ON b.n = l.n %% %s",
        (supplier, company, currency, pairs, ISSUE_QUANTITY, last,
            start, span, BINS))
    # Issues: central bin → department store, then consumption
    cursor.execute(
        "CREATE TEMP TABLE bench_issue AS "
        "SELECT l.product, l.uom, l.id AS lot, l.k, b.id AS bin, "
        "dp.id AS dept, "
        "%s::date + l.k * %s::int + 1 + (j * (%s::int - 2)) / %s::int AS d "
        "FROM bench_lot l CROSS JOIN generate_series(0, %s) j "
        "JOIN bench_bin b ON b.n = l.n %% %s "
        "JOIN bench_dept dp ON dp.n = (l.n * 7 + j * 3 + l.k) %% %s",
        (start, span, span, pairs, pairs - 1, BINS, len(departments)))
    cursor.execute(
        f"INSERT INTO stock_move ({columns}) "
        "SELECT product, uom, %s, %s, bin, dept, d, d, 'done', %s, lot, "
        "NULL, NULL, false, 0, now() FROM bench_issue",
        (ISSUE_QUANTITY, ISSUE_QUANTITY, company))
    cursor.execute(
        f"INSERT INTO stock_move ({columns}) "
        "SELECT product, uom, q, q, dept, %s, d + 1, d + 1, 'done', %s, lot, "
        "1, %s, false, 0, now() "
        "FROM (SELECT *, (CASE WHEN k = %s THEN %s ELSE %s END)::float AS q "
        "  FROM bench_issue) i",
        (clinical, company, currency, last, ISSUE_QUANTITY // 2,
            ISSUE_QUANTITY))
    cursor.execute("SELECT count(*) FROM stock_move")
    count, = cursor.fetchone()
    return count


def close_period(company, date):
    "Close the stock period ending on date (Tryton's own close)"
    from trytond.pool import Pool
    Period = Pool().get('stock.period')
    period, = Period.create([{'company': company, 'date': date}])
    Period.close([period])


def rebuild_balances():
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Balance = Pool().get('med.stock.balance')
    Balance.rebuild()
    cursor = Transaction().connection.cursor()
    cursor.execute("SELECT count(*) FROM med_stock_balance")
    count, = cursor.fetchone()
    return count


# ------------------------------------------------------------ queries

def warehouse_locations(central):
    from trytond.pool import Pool
    Location = Pool().get('stock.location')
    return [l.id for l in Location.search([('parent', 'child_of', [central])])]


def tryton_position(central, product=None):
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Product = Pool().get('product.product')
    with Transaction().set_context(stock_date_end=dt.date.today()):
        quantities = Product.products_by_location([central],
            with_childs=True, grouping=('product', 'lot'),
            grouping_filter=([product],) if product else None)
    return sum(1 for q in quantities.values() if q)


def tryton_position_no_period(central, product=None):
    "Tryton's computation as if no period were closed (rolled back)"
    from trytond.transaction import Transaction
    cursor = Transaction().connection.cursor()
    cursor.execute("UPDATE stock_period SET state = 'draft'")
    return tryton_position(central, product)


def sql_moves(locations, product=None):
    from trytond.transaction import Transaction
    cursor = Transaction().connection.cursor()
    where = "AND m.product = %s " if product else ""
    params = [locations, locations, locations] + ([product] if product else [])
    cursor.execute(
        "SELECT m.product, m.lot, SUM(CASE WHEN m.to_location = ANY(%s) "
        "THEN m.internal_quantity ELSE -m.internal_quantity END) "
        "FROM stock_move m WHERE m.state = 'done' "
        "AND (m.to_location = ANY(%s) OR m.from_location = ANY(%s)) "
        + where +
        "GROUP BY m.product, m.lot HAVING SUM(CASE WHEN m.to_location = "
        "ANY(%s) THEN m.internal_quantity ELSE -m.internal_quantity END) "
        "!= 0", params + [locations])
    return len(cursor.fetchall())


def sql_balance(locations, product=None):
    from trytond.transaction import Transaction
    cursor = Transaction().connection.cursor()
    where = "AND product = %s " if product else ""
    cursor.execute(
        "SELECT product, lot, SUM(quantity) FROM med_stock_balance "
        "WHERE location = ANY(%s) AND quantity != 0 " + where +
        "GROUP BY product, lot", [locations] + ([product] if product else []))
    return len(cursor.fetchall())


def sql_position():
    "The SQL of med.stock.position alone (its table_query, context applied)"
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Position = Pool().get('med.stock.position')
    cursor = Transaction().connection.cursor()
    cursor.execute(*Position.table_query())
    return len(cursor.fetchall())


LIST_FIELDS = ['warehouse', 'location', 'product', 'specification', 'lot',
    'expiration_date', 'expiry_state', 'quantity', 'unit',
    'consumable_class', 'department']
# What sao asks when it shows the list: the fields of the view, the names
# of the Many2One fields, the record name, timestamp and access
SAO_FIELDS = LIST_FIELDS + [f'{f}.rec_name' for f in [
        'warehouse', 'location', 'product', 'lot', 'unit', 'department']] + [
    'rec_name', '_timestamp', '_write', '_delete']
SAO_LIMIT = 1000  # Sao.config.limit
SAO_BATCH = 100  # Sao.config.limit / min(fields, 10): records per read


def orm_read_all():
    "Every line of the store through search_read, values only (an export)"
    from trytond.pool import Pool
    from trytond.transaction import check_access
    Position = Pool().get('med.stock.position')
    with check_access():
        return len(Position.search_read([], fields_names=LIST_FIELDS))


def orm_open_list():
    """What opening 库存查询 in sao costs: search (limit 1000), then read of
    the first batch of lines with their names"""
    from trytond.pool import Pool
    from trytond.transaction import check_access
    Position = Pool().get('med.stock.position')
    with check_access():
        ids = [p.id for p in Position.search([], limit=SAO_LIMIT)]
        Position.read(ids[:SAO_BATCH], SAO_FIELDS)
    return len(ids)


# ------------------------------------------------------------ run

def measure(args, setup):
    from trytond.pool import Pool  # noqa: F401
    database = args.database
    central = setup['central']
    keeper = setup['keeper']
    company = setup['company']
    context = {'company': company, 'language': 'en'}
    locations = run_transaction(database, 0,
        lambda: warehouse_locations(central), context)
    product = setup['product']
    results = {}

    def timed(name, function, user=keeper, extra=None, commit=True):
        ctx = dict(context, **(extra or {}))

        def once():
            return run_transaction(database, user, function, ctx,
                commit=commit)
        ms, rows = median_ms(once, args.runs)
        results[name] = {'ms': round(ms, 2), 'rows': rows}
        log("  %-34s %9.2f ms  (%s rows)", name, ms, rows)

    log("measuring (median of %s runs)", args.runs)
    store = {'warehouse': central}
    one = {'warehouse': central, 'product': product}
    timed('tryton_warehouse', lambda: tryton_position(central))
    timed('tryton_product', lambda: tryton_position(central, product))
    timed('tryton_no_period_warehouse',
        lambda: tryton_position_no_period(central), commit=False)
    timed('tryton_no_period_product',
        lambda: tryton_position_no_period(central, product), commit=False)
    timed('sql_moves_warehouse', lambda: sql_moves(locations))
    timed('sql_moves_product', lambda: sql_moves(locations, product))
    timed('sql_balance_warehouse', lambda: sql_balance(locations))
    timed('sql_balance_product', lambda: sql_balance(locations, product))
    timed('sql_position_warehouse', sql_position, extra=store)
    timed('sql_position_product', sql_position, extra=one)
    timed('orm_open_list_warehouse', orm_open_list, extra=store)
    timed('orm_open_list_product', orm_open_list, extra=one)
    timed('orm_read_all_warehouse', orm_read_all, extra=store)
    timed('orm_read_all_product', orm_read_all, extra=one)
    return results


def run(args):
    if args.report:
        return report()
    args.database = args.database or f'bench_pos_{args.moves}'
    args.template = 'bench_pos_template'
    os.environ['PGOPTIONS'] = (os.environ.get('PGOPTIONS', '')
        + f' -c jit={args.jit}').strip()
    config_file = write_config(args.uri)
    timings = {}
    begin = time.perf_counter()
    try:
        configure(config_file)
        if not args.reuse:
            found = template_fingerprint(args)
            if args.fresh or not found or (
                    found != fingerprint() and not args.any_template):
                build_template(args, config_file)
            log("copying %s to %s", args.template, args.database)
            subprocess.run(['dropdb', '--if-exists', args.database],
                env=pg_env(args), check=True)
            subprocess.run(['createdb', '-T', args.template, args.database],
                env=pg_env(args), check=True)
        start_pool(args.database)
        setup = run_transaction(args.database, 0, _load_setup)
        # A year of history up to yesterday; the months before this one
        # closed, as on any day of a live hospital
        today = dt.date.today()
        end = today - dt.timedelta(days=1)
        start = end - dt.timedelta(days=364)
        closed = today.replace(day=1) - dt.timedelta(days=1)
        if not args.reuse:
            log("generating %s moves from %s to %s", args.moves, start, end)
            t = time.perf_counter()
            setup['moves'] = run_transaction(args.database, 0,
                lambda: generate_moves(args.moves, setup['company'],
                    setup['currency'], setup['bins'], start, end))
            timings['generate_s'] = round(time.perf_counter() - t, 1)
            log("  %s moves in %.1f s", setup['moves'], timings['generate_s'])
            # Statistics as autovacuum keeps them on a live database
            subprocess.run(['psql', '-qc', 'VACUUM ANALYZE', args.database],
                env=pg_env(args), check=True)

            month_ends = [closed]
            if args.monthly:
                month_ends = []
                date = start.replace(day=1) - dt.timedelta(days=1)
                while True:
                    date = (date + dt.timedelta(days=32)).replace(day=1) \
                        - dt.timedelta(days=1)
                    if date > closed:
                        break
                    if date >= start:
                        month_ends.append(date)
            closes = []
            for date in month_ends:
                log("closing the stock period ending %s (Tryton baseline)",
                    date)
                t = time.perf_counter()
                run_transaction(args.database, 0,
                    lambda: close_period(setup['company'], date),
                    {'company': setup['company']})
                closes.append(round(time.perf_counter() - t, 1))
                log("  closed in %.1f s", closes[-1])
            timings['period_close_s'] = closes if args.monthly else closes[0]

            log("rebuilding the balance table")
            t = time.perf_counter()
            setup['balances'] = run_transaction(args.database, 0,
                rebuild_balances)
            timings['rebuild_s'] = round(time.perf_counter() - t, 1)
            log("  %s balances in %.1f s", setup['balances'],
                timings['rebuild_s'])
            subprocess.run(['psql', '-qc', 'ANALYZE med_stock_balance',
                    args.database], env=pg_env(args), check=True)
            setup['product'] = run_transaction(args.database, 0,
                _sample_product)
            run_transaction(args.database, 0, lambda: _save_setup(setup))
        results = measure(args, setup)
        record(args, setup, timings, results,
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


def _sample_product():
    "A low-value product in stock in the central store"
    from trytond.transaction import Transaction
    cursor = Transaction().connection.cursor()
    cursor.execute(
        "SELECT b.product FROM med_stock_balance b "
        "JOIN product_product p ON p.id = b.product "
        "JOIN product_template t ON t.id = p.template "
        "WHERE t.consumable_class = 'low' AND b.quantity > 0 "
        "ORDER BY b.product LIMIT 1 OFFSET 500")
    product, = cursor.fetchone()
    return product


def _save_setup(setup):
    from trytond.transaction import Transaction
    cursor = Transaction().connection.cursor()
    cursor.execute("CREATE TABLE IF NOT EXISTS bench_setup (data text)")
    cursor.execute("DELETE FROM bench_setup")
    cursor.execute("INSERT INTO bench_setup VALUES (%s)",
        (json.dumps(setup),))


def _load_setup():
    from trytond.transaction import Transaction
    cursor = Transaction().connection.cursor()
    cursor.execute("SELECT data FROM bench_setup")
    return json.loads(cursor.fetchone()[0])


def _server_version():
    from trytond.transaction import Transaction
    cursor = Transaction().connection.cursor()
    cursor.execute("SHOW server_version")
    return cursor.fetchone()[0]


def record(args, setup, timings, results, total):
    import trytond
    RESULTS.parent.mkdir(exist_ok=True)
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[str(args.moves)] = {
        'date': dt.datetime.now().isoformat(timespec='seconds'),
        'command': ' '.join(['.venv/bin/python -m bench'] + sys.argv[1:]),
        'machine': f'{platform.node()} {platform.machine()}, '
        f'{os.cpu_count()} cores, Python {platform.python_version()}, '
        f'trytond {trytond.__version__}, PostgreSQL '
        + run_transaction(args.database, 0, _server_version),
        'jit': args.jit,
        'python_optimize': sys.flags.optimize,
        'runs': args.runs,
        'moves': setup['moves'],
        'balances': setup['balances'],
        'timings': dict(setup.get('template_timings', {}), **timings),
        'total_s': total,
        'results': results,
        }
    RESULTS.write_text(json.dumps(data, indent=2, ensure_ascii=False))


def report():
    if not RESULTS.exists():
        print("no results yet: run python -m bench stock_position")
        return 1
    data = json.loads(RESULTS.read_text())
    sizes = sorted(data, key=int)
    names = list(data[sizes[0]]['results'])
    header = f"{'query':34}" + ''.join(
        f"{int(s):>14,d}" for s in sizes)
    if len(sizes) > 1:
        header += f"{'growth':>10}"
    print(f"\n库存查询 — median ms ({' / '.join(sizes)} requested moves)")
    print(header)
    for name in names:
        line = f"{name:34}" + ''.join(
            f"{data[s]['results'][name]['ms']:>14.2f}" for s in sizes)
        if len(sizes) > 1:
            first = data[sizes[0]]['results'][name]['ms']
            last = data[sizes[-1]]['results'][name]['ms']
            line += f"{last / first:>9.2f}x"
        print(line)
    for size in sizes:
        r = data[size]['results']
        print(f"\n{int(size):,d} moves requested ({data[size]['moves']:,d} "
            f"generated, {data[size]['balances']:,d} balances):")
        for scope in ['warehouse', 'product']:
            def ms(name):
                return r[f'{name}_{scope}']['ms']
            print(f"  {scope:9}: position SQL / balance SQL "
                f"{ms('sql_position') / ms('sql_balance'):5.2f}x   "
                f"Tryton / position SQL "
                f"{ms('tryton') / ms('sql_position'):7.1f}x   "
                f"Tryton / sao list "
                f"{ms('tryton') / ms('orm_open_list'):6.1f}x   "
                f"Tryton / read all "
                f"{ms('tryton') / ms('orm_read_all'):6.1f}x   "
                f"Tryton without period / sao list "
                f"{ms('tryton_no_period') / ms('orm_open_list'):6.1f}x")
    return 0
