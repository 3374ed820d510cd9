# The product.product extension of this module: the departments whose
# 二级库房请领目录 lists a product, so that a requisition line proposes only
# its department's catalogue.
from trytond import backend
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import without_check_access

__all__ = ['Product']


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'
    requisition_departments = fields.Function(fields.Many2Many(
            'med.department', None, None, "Requisition Departments"),
        'get_requisition_departments',
        searcher='search_requisition_departments')

    @classmethod
    def get_requisition_departments(cls, products, name):
        Catalog = Pool().get('med.department.catalog')
        result = {p.id: [] for p in products}
        with without_check_access():
            for sub_products in grouped_slice(
                    products, backend.MAX_QUERY_PARAMS):
                for entry in Catalog.search([
                            ('product', 'in', [p.id for p in sub_products]),
                            ]):
                    result[entry.product.id].append(entry.department.id)
        return result

    @classmethod
    def search_requisition_departments(cls, name, clause):
        Catalog = Pool().get('med.department.catalog')
        catalog = Catalog.__table__()
        _, operator, value = clause[:3]
        if operator not in {'=', 'in', '!=', 'not in'}:
            return [('id', '=', -1)]
        if operator in {'=', '!='}:
            value = [value] if value is not None else []
        value = [v for v in value if v is not None] or [-1]
        query = catalog.select(
            catalog.product,
            where=fields.SQL_OPERATORS['in'](catalog.department, value))
        if operator in {'!=', 'not in'}:
            return [('id', 'not in', query)]
        return [('id', 'in', query)]
