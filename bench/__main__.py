"""Benchmarks of 医用耗材精细化管理系统 (not part of the test suite).

    .venv/bin/python -m bench stock_position --moves 100000
    .venv/bin/python -m bench stock_position --moves 1000000
    .venv/bin/python -m bench stock_position --report
    .venv/bin/python -m bench requisition --lines 1000 --runs 5

Each benchmark is a module of this package with ``add_arguments(parser)``
and ``run(args)``; it builds its own scratch PostgreSQL database and
reports medians and ratios against a baseline measured in the same run.
"""
import argparse
import importlib
import os
import sys

BENCHMARKS = {
    'stock_position': "库存查询: balance table vs Tryton's products_by_location",
    'requisition': "请领单: a 1,000-line requisition vs Tryton's "
    "internal shipment",
    }


def main(argv=None):
    # Tryton's asserts cost 1.5-2x on these paths (DESIGN §3; ModelStorage
    # checks every id of a browse list for every record): measure what a
    # server started with -O runs.  BENCH_ASSERTS=1 keeps them.
    if (argv is None and not sys.flags.optimize
            and not os.environ.get('BENCH_ASSERTS')):
        os.execv(sys.executable,
            [sys.executable, '-O', '-m', 'bench'] + sys.argv[1:])
    parser = argparse.ArgumentParser(prog='python -m bench',
        description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest='benchmark', required=True)
    for name, help_ in BENCHMARKS.items():
        module = importlib.import_module(f'bench.{name}')
        sub = subparsers.add_parser(name, help=help_,
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(sub)
    args = parser.parse_args(argv)
    module = importlib.import_module(f'bench.{args.benchmark}')
    return module.run(args)


if __name__ == '__main__':
    sys.exit(main())
