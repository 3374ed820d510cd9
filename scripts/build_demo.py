#!/usr/bin/env python3
"""Build the demo hospital 江城市第一人民医院.

    .venv/bin/python scripts/build_demo.py -c trytond.conf -d demo \\
        [--scale N] [--force]

1. creates the database (SQLite file or PostgreSQL database) when missing,
   initialises it with trytond-admin (admin password ``demo-2026``, modules
   med_consumables_base + dependencies, zh_CN loaded; base language en);
2. fills it in-process with the ORM: currency, company, parties with
   licences, categories, products with UDI-DI, stores and bins,
   departments, users, catalogues and stock in lots.

An existing, already built database is left alone unless --force (drop and
rebuild).  The data are deterministic (seed 2026) and relative to today.
See docs/demo.md.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import demo_data as D  # noqa: E402
from demo import Builder, log  # noqa: E402

DEFAULT_MODULES = ['med_consumables_base', 'med_lowvalue', 'med_purchase']
ADMIN_EMAIL = 'admin@hospital.example'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Build the demo hospital database")
    parser.add_argument('-c', '--config', required=True,
        help="trytond configuration file")
    parser.add_argument('-d', '--database', required=True,
        help="database name")
    parser.add_argument('--scale', type=int, default=150, metavar='N',
        help="number of products (>= 150, default 150); departments = "
        "max(14, N // 100), lots, catalogue rows and moves grow with it")
    parser.add_argument('--force', action='store_true',
        help="drop an existing database and rebuild it")
    parser.add_argument('--modules', nargs='+', default=DEFAULT_MODULES,
        metavar='MODULE',
        help="modules to activate (default: med_consumables_base); "
        "e.g. add med_lowvalue once it exists")
    parser.add_argument('--strict', action='store_true',
        help="fail when a field or model of the contract is missing "
        "instead of skipping it")
    args = parser.parse_args(argv)
    if args.scale < 150:
        parser.error("--scale must be at least 150")
    return args


# ------------------------------------------------------------------ database

class DatabaseManager:
    "Create / drop / inspect the database with Tryton's backend"

    def __init__(self, name):
        from trytond import backend, config
        self.name = name
        self.backend = backend
        self.kind = backend.name
        self.config = config

    @property
    def sqlite_path(self):
        return os.path.join(self.config.get('database', 'path'),
            self.name + '.sqlite')

    def _server_connection(self):
        Database = self.backend.Database
        database = Database().connect()
        return database, database.get_connection(autocommit=True)

    def exists(self):
        if self.kind == 'sqlite':
            return os.path.exists(self.sqlite_path)
        database, conn = self._server_connection()
        try:
            cursor = conn.cursor()
            cursor.execute(
                'SELECT 1 FROM pg_database WHERE datname = %s', (self.name,))
            return bool(cursor.fetchone())
        finally:
            database.put_connection(conn)

    def create(self):
        if self.kind == 'sqlite':
            os.makedirs(os.path.dirname(self.sqlite_path), exist_ok=True)
            # trytond-admin needs the file to exist
            open(self.sqlite_path, 'a').close()
            return
        # Same as `createdb -E UTF8 NAME` (template0, unicode encoding) but
        # with the credentials of the configured URI.
        database, conn = self._server_connection()
        try:
            self.backend.Database.create(conn, self.name)
        finally:
            database.put_connection(conn)

    def drop(self):
        if self.kind == 'sqlite':
            for suffix in ['', '-wal', '-shm', '-journal']:
                try:
                    os.remove(self.sqlite_path + suffix)
                except FileNotFoundError:
                    pass
            return
        try:
            self.backend.Database(self.name).close()
        except Exception:
            pass
        database, conn = self._server_connection()
        try:
            self.backend.Database.drop(conn, self.name)
        finally:
            database.put_connection(conn)

    def _query(self, sql):
        "Run a one-value query on the database; None when it fails"
        database = self.backend.Database(self.name).connect()
        conn = database.get_connection()
        try:
            cursor = conn.cursor()
            cursor.execute(sql)
            row = cursor.fetchone()
            return row[0] if row else None
        except Exception:
            return None
        finally:
            conn.rollback()
            database.put_connection(conn)

    def status(self, modules):
        "(state, modules activated) with state 'absent', 'empty', 'ready' "
        "or 'built'"
        if not self.exists():
            return 'absent', False
        database = self.backend.Database(self.name).connect()
        if not database.test():
            return 'empty', False
        names = ', '.join("'%s'" % m for m in modules)
        activated = self._query(
            "SELECT COUNT(*) FROM ir_module WHERE state = 'activated' "
            "AND name IN (%s)" % names) == len(modules)
        if self._query('SELECT COUNT(*) FROM company_company'):
            return 'built', activated
        return 'ready', activated


def run_admin(config_file, database, modules):
    "Initialise / update the database with trytond-admin (own process)"
    admin = os.path.join(os.path.dirname(sys.executable), 'trytond-admin')
    if not os.path.exists(admin):
        admin = shutil.which('trytond-admin')
    if not admin:
        raise SystemExit("trytond-admin not found next to %s or on PATH"
            % sys.executable)
    with tempfile.NamedTemporaryFile('w', suffix='.pass',
            delete=False) as passfile:
        passfile.write(D.PASSWORD + '\n')
    env = dict(os.environ, TRYTONPASSFILE=passfile.name)
    command = [admin, '-c', config_file, '-d', database,
        '-u', *modules, '--activate-dependencies', '-l', 'zh_CN',
        '--email', ADMIN_EMAIL]
    log("  %s", ' '.join(command[1:]))
    try:
        subprocess.run(command, env=env, check=True)
    finally:
        os.remove(passfile.name)


# ---------------------------------------------------------------------- main

def print_logins(database, built=True):
    log("")
    log("Demo database %r %s. Logins (password %s, language zh_CN):",
        database, 'ready' if built else 'already built', D.PASSWORD)
    log("  %-12s %s", 'admin', '系统管理员 (all roles)')
    for login, name, title, _, _ in D.USERS:
        log("  %-12s %s (%s)", login, name, title)


def build(pool, args, lock_tables):
    "Build the demo in one transaction; returns the builder"
    from trytond.transaction import Transaction
    with Transaction().start(args.database, 0, context={
                'language': 'en', '_skip_warnings': True,
                # new products replace nothing: skip the lookup per move
                '_product_replacement': False,
                }, _lock_tables=list(lock_tables)) as transaction:
        Module = pool.get('ir.module')
        builder = Builder(pool, args.scale, strict=args.strict)
        builder.activated = {m.name for m in Module.search(
                [('state', '=', 'activated')])}
        builder.run()
        # The admin's first login would otherwise open Tryton's module
        # configuration wizard over the demo.
        ConfigItem = pool.get('ir.module.config_wizard.item')
        ConfigItem.write(ConfigItem.search([('state', '=', 'open')]),
            {'state': 'done'})
        transaction.commit()
    return builder


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()
    from trytond import config
    config.update_etc(args.config)
    manager = DatabaseManager(args.database)
    log("Database %s (%s)", args.database, manager.kind)
    status, activated = manager.status(args.modules)
    if status != 'absent' and args.force:
        log("- dropping the existing database (--force)")
        manager.drop()
        status, activated = 'absent', False
    if status == 'absent':
        log("- creating the database")
        manager.create()
    if not activated:
        log("- %s with trytond-admin (takes a minute or two)",
            'activating modules' if status in {'ready', 'built'}
            else 'initialising')
        try:
            run_admin(args.config, args.database, args.modules)
        except subprocess.CalledProcessError as exception:
            log("trytond-admin failed (exit %s): the database is left as it "
                "is; fix the cause and re-run (it resumes), or use --force.",
                exception.returncode)
            return 1
    if status == 'built':
        log("Already built; use --force to drop and rebuild.")
        print_logins(args.database, built=False)
        return 0
    log("  %.1f s so far", time.perf_counter() - started)

    from trytond.pool import Pool
    from trytond.transaction import _TransactionLockError
    pool = Pool(args.database)
    pool.init()
    # Singletons (configurations) lock their table when first written; in
    # an RPC Tryton restarts the transaction with the lock taken, here we do.
    lock_tables = ['account_configuration', 'purchase_configuration']
    while True:
        try:
            builder = build(pool, args, lock_tables)
            break
        except _TransactionLockError as exception:
            log("- restarting the build with table %s locked",
                exception.args[0])
            lock_tables.append(exception.args[0])
    elapsed = time.perf_counter() - started
    log("")
    log("Built %s at scale %d in %.1f s:", args.database, args.scale, elapsed)
    for label, count in sorted(builder.counts.items()):
        log("  %-40s %7d", label, count)
    if builder.mismatches:
        log("Contract mismatches (skipped):")
        for message in builder.mismatches:
            log("  %s", message)
    print_logins(args.database)
    return 0


if __name__ == '__main__':
    # Tryton runs 1.5-2x faster without asserts (DESIGN §3): re-run under -O
    if not sys.flags.optimize and not os.environ.get('BUILD_DEMO_NO_O'):
        os.execv(sys.executable, [sys.executable, '-O'] + sys.argv)
    sys.exit(main())
