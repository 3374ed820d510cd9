from trytond.tests.test_tryton import ModuleTestCase


class MedPurchaseTestCase(ModuleTestCase):
    "Test the procurement module"
    module = 'med_purchase'
    extras = []


del ModuleTestCase
