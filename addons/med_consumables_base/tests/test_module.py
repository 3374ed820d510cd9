from trytond.tests.test_tryton import ModuleTestCase


class MedConsumablesBaseTestCase(ModuleTestCase):
    "Test the medical consumables base module"
    module = 'med_consumables_base'
    extras = []


del ModuleTestCase
