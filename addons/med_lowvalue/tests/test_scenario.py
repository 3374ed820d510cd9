# The scenario_*.rst of this module as a unittest suite, as in Tryton's own
# modules (python -m unittest <module>.tests.test_scenario).  pytest ignores
# load_tests: the project's conftest.py collects the same files itself.
from trytond.tests.test_tryton import load_doc_tests


def load_tests(*args, **kwargs):
    return load_doc_tests(__name__, __file__, *args, **kwargs)
