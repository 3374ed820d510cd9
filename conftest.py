"""Run Tryton scenarios (``scenario_*.rst``) under pytest.

pytest ignores Tryton's ``load_tests``, so the doctest scenarios of every
module are collected here and run with Tryton's own set-up, tear-down and
output checker (the same ones ``load_doc_tests`` uses).
"""
import doctest
import io
import json
import os
import pathlib

import pytest

os.environ.setdefault('TRYTOND_DATABASE__URI', 'sqlite://')
if os.environ['TRYTOND_DATABASE__URI'].startswith('sqlite'):
    os.environ.setdefault('DB_NAME', ':memory:')

OPTIONFLAGS = (
    doctest.REPORT_ONLY_FIRST_FAILURE
    | doctest.ELLIPSIS
    | doctest.IGNORE_EXCEPTION_DETAIL)


def pytest_collect_file(parent, file_path):
    if file_path.suffix == '.rst' and file_path.name.startswith('scenario_'):
        return ScenarioFile.from_parent(parent, path=file_path)


def pytest_ignore_collect(collection_path, config):
    # Browser tests need a served demo database: they run on their own
    # (make browser-test), not inside the unit suite.
    if collection_path.name == 'browser' and not config.getoption(
            'browser', default=False):
        return True


def pytest_addoption(parser):
    parser.addoption(
        '--browser', action='store_true', default=False,
        help="collect tests/browser (needs chromium and the demo database)")


class ScenarioFile(pytest.File):

    def collect(self):
        config = self.path.with_suffix('.json')
        if config.exists():
            configs = json.loads(config.read_text())
        else:
            configs = [{}]
        for i, globs in enumerate(configs):
            name = self.path.name if len(configs) == 1 else (
                f'{self.path.name}[{i}]')
            yield ScenarioItem.from_parent(self, name=name, globs=globs)


class ScenarioFailure(Exception):
    pass


class ScenarioItem(pytest.Item):

    def __init__(self, *, globs, **kwargs):
        super().__init__(**kwargs)
        self.globs = globs

    def runtest(self):
        from trytond import backend
        from trytond.tests.test_tryton import (
            STRIP_DECIMAL, doctest_checker, doctest_setup, doctest_teardown)
        path = pathlib.Path(self.path)
        optionflags = OPTIONFLAGS
        if backend.name == 'sqlite':
            optionflags |= STRIP_DECIMAL
        parser = doctest.DocTestParser()
        test = parser.get_doctest(
            path.read_text(encoding='utf-8'), dict(self.globs),
            path.name, str(path), 0)
        runner = doctest.DocTestRunner(
            checker=doctest_checker, optionflags=optionflags)
        output = io.StringIO()
        cwd = os.getcwd()
        os.chdir(path.parent)
        doctest_setup(test)
        try:
            result = runner.run(test, out=output.write)
        finally:
            doctest_teardown(test)
            os.chdir(cwd)
        if result.failed:
            raise ScenarioFailure(output.getvalue())

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ScenarioFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f'scenario: {self.name}'
