"""Demo data of med_lowvalue: approved requisitions waiting for the stores
(what 请领单整合 and 按请领出库 start from)."""
import demo_data as D

class LowvalueSteps:

    STEPS = [
        'requisitions',
        ]

    def requisitions(self):
        "approved requisitions waiting for the stores (请领单整合 demo)"
        Requisition = self.pool.get('med.requisition')
        Line = self.pool.get('med.requisition.line')
        Product = self.pool.get('product.product')
        rng = self.rng
        values = []
        by_code = {d.code: d for d in self.departments_}
        for code in D.DEMO_REQUISITION_DEPARTMENTS:
            department = by_code.get(code)
            if not department:
                continue
            d_index = self.departments_.index(department)
            rows = [r for r in self.dept_catalog[d_index]
                if not r[1]['cat'].startswith('G')]
            store = department.supply_warehouse
            stock = Line.store_quantities(store, [r[0] for r in rows])
            # Some lines the store cannot cover, so that consolidation has
            # something to order
            empty = [r for r in rows if stock.get(r[0].id, 0) <= 0]
            full = [r for r in rows if stock.get(r[0].id, 0) > 0]
            picked = empty[:2] + rng.sample(full, min(len(full), 3))
            if not picked:
                continue
            lines = []
            for product, family, par in picked:
                lines.append({'product': product.id,
                        'quantity': float(par),
                        'unit': Product(product.id).default_uom.id})
            values.append({'department': department.id,
                    'warehouse': store.id,
                    'company': self.company.id,
                    'request_date': self.day(-rng.randrange(1, 4)),
                    'requested_by': self.employee_by_login.get('ward'),
                    'lines': [('create', lines)]})
        requisitions = self.create(Requisition, values)
        Requisition.submit(requisitions)
        Requisition.approve(requisitions)
