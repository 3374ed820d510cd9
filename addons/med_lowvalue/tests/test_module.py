from trytond.tests.test_tryton import ModuleTestCase


class MedLowvalueTestCase(ModuleTestCase):
    "Test the department and warehouse operations module"
    module = 'med_lowvalue'
    extras = []


del ModuleTestCase
