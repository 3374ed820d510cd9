"""The demo hospital's data, one file per module (see core.py)."""
from .base import BaseSteps
from .core import BuilderCore, log
from .lowvalue import LowvalueSteps
from .purchase import PurchaseSteps

__all__ = ['Builder', 'MODULES', 'log']

# The modules' steps in dependency order: a new module adds its file and
# its line here.
MODULES = [
    ('med_consumables_base', BaseSteps.STEPS),
    ('med_lowvalue', LowvalueSteps.STEPS),
    ('med_purchase', PurchaseSteps.STEPS),
    ]


class Builder(PurchaseSteps, LowvalueSteps, BaseSteps, BuilderCore):
    "Builds the demo hospital: every module's steps"

    def run(self):
        super().run(MODULES)
