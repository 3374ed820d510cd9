"""The demo builder's core: batched creation that reports contract
mismatches, and the order in which the modules' steps run.

Each module of the product adds its demo data in its own file of this
package (base.py for med_consumables_base, lowvalue.py, purchase.py …): a
class of steps (methods with a one-line docstring, run in the order of
STEPS) listed in MODULES below with the module whose activation it needs.
The steps of a module that is not activated are skipped.
"""
import datetime as dt
import random
import time

SEED = 2026
BATCH = 500


def log(message, *args):
    print(message % args if args else message, flush=True)


def add_years(date, years):
    try:
        return date.replace(year=date.year + years)
    except ValueError:  # 29 February
        return date.replace(year=date.year + years, day=28)


def rounded(value, step):
    return max(step, int(round(value / step)) * step)


class BuilderCore:
    "What every step uses: the pool, the seeded random, batched create"

    def __init__(self, pool, scale, strict=False):
        self.pool = pool
        self.scale = scale
        self.strict = strict
        self.rng = random.Random(SEED)
        self.today = dt.date.today()
        self.mismatches = []
        self.counts = {}
        self._fields = {}

    def get(self, name):
        try:
            return self.pool.get(name)
        except KeyError:
            self.mismatch("model %s does not exist" % name)
            return None

    def mismatch(self, message):
        if self.strict:
            raise SystemExit("contract mismatch: " + message)
        if message not in self.mismatches:
            self.mismatches.append(message)
            log("  ! %s (skipped)", message)

    def clean(self, Model, values):
        "Drop values of fields the model does not have (and report them)"
        if Model.__name__ not in self._fields:
            self._fields[Model.__name__] = set(Model._fields)
        known = self._fields[Model.__name__]
        for key in list(values):
            if key not in known:
                self.mismatch("field %s.%s does not exist"
                    % (Model.__name__, key))
                del values[key]
        return values

    def create(self, Model, values_list, label=None, batch=BATCH):
        "Create in batches; return the records in order"
        records = []
        start = time.perf_counter()
        values_list = [self.clean(Model, v) for v in values_list]
        for i in range(0, len(values_list), batch):
            records.extend(Model.create(values_list[i:i + batch]))
        label = label or Model.__name__
        self.counts[label] = self.counts.get(label, 0) + len(records)
        if len(records) >= 100:
            log("    %s: %d in %.1f s", label, len(records),
                time.perf_counter() - start)
        return records

    def ref(self, module, fs_id):
        ModelData = self.pool.get('ir.model.data')
        try:
            return ModelData.get_id(module, fs_id)
        except Exception:
            self.mismatch("xml id %s.%s does not exist" % (module, fs_id))
            return None

    def day(self, offset):
        return self.today + dt.timedelta(days=offset)

    # -- steps
    def run(self, modules):
        """Run the steps of modules (pairs of module name and step names, in
        dependency order) that are activated"""
        from trytond.transaction import Transaction
        steps = [getattr(self, name) for module, names in modules
            if module in self.activated for name in names]
        # the first step makes the company every other step works in
        self._step(steps[0])
        with Transaction().set_context(company=self.company.id,
                companies=[self.company.id]):
            # The hospital's today (Asia/Shanghai), as Tryton will judge
            # expiry dates, not the build machine's
            self.today = self.pool.get('ir.date').today()
            for step in steps[1:]:
                self._step(step)

    def _step(self, step):
        start = time.perf_counter()
        log("- %s", (step.__doc__ or step.__name__).strip())
        step()
        log("  done in %.1f s", time.perf_counter() - start)
