# 科室, 二级库房请领目录 and 科室常用目录.
from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import DepartmentError


class Department(DeactivableMixin, ModelSQL, ModelView):
    "Clinical department (科室) with its own second-level store"
    __string__ = "Clinical Department"
    __name__ = 'med.department'
    name = fields.Char("Name", required=True, strip=True)
    code = fields.Char("Code", required=True, strip=True)
    his_code = fields.Char(
        "HIS Code", strip=True,
        help="The department code in the hospital information system.")
    company = fields.Many2One('company.company', "Company", required=True)
    warehouse = fields.Many2One(
        'stock.location', "Department Store", required=True,
        ondelete='RESTRICT',
        domain=[('type', '=', 'warehouse')],
        help="The department's second-level store (二级库).")
    supply_warehouse = fields.Many2One(
        'stock.location', "Supplying Store", required=True,
        ondelete='RESTRICT',
        domain=[
            ('type', '=', 'warehouse'),
            ('warehouse_kind', '!=', 'department'),
            ('id', '!=', Eval('warehouse', -1)),
            ],
        help="The store (中心库 or 高值库) that issues to the department.")
    head = fields.Many2One(
        'company.employee', "Head", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))])
    users = fields.Many2Many(
        'med.department-res.user', 'department', 'user', "Users",
        help="The users who request, receive and use for this department.")
    catalog = fields.One2Many(
        'med.department.catalog', 'department', "Requisition Catalogue")
    favorites = fields.One2Many(
        'med.department.favorite', 'department', "Favourites")

    _departments_cache = Cache('med.department.user', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.company, t.code),
                'med_consumables_base.msg_department_code_unique'),
            ('warehouse_unique', Unique(t, t.warehouse),
                'med_consumables_base.msg_department_warehouse_unique'),
            ]
        cls._order = [('code', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    def get_rec_name(self, name):
        return self.name

    @classmethod
    def search_rec_name(cls, name, clause):
        return ['OR',
            ('name',) + tuple(clause[1:]),
            ('code',) + tuple(clause[1:]),
            ('his_code',) + tuple(clause[1:]),
            ]

    @classmethod
    def on_modification(cls, mode, departments, field_names=None):
        super().on_modification(mode, departments, field_names=field_names)
        cls._departments_cache.clear()

    @classmethod
    def user_departments(cls, user_id=None):
        "Ids of the departments the user works for (member or head)."
        pool = Pool()
        if user_id is None:
            user_id = Transaction().user
        ids = cls._departments_cache.get(user_id)
        if ids is not None:
            return ids
        DepartmentUser = pool.get('med.department-res.user')
        Employee = pool.get('res.user-company.employee')
        department = cls.__table__()
        member = DepartmentUser.__table__()
        employee = Employee.__table__()
        # Plain SQL: this runs inside ir.rule, where an ORM search on
        # med.department would ask ir.rule again.
        cursor = Transaction().connection.cursor()
        cursor.execute(*member.select(
                member.department, where=member.user == user_id)
            | department.join(employee,
                condition=department.head == employee.employee
                ).select(department.id, where=employee.user == user_id))
        ids = sorted({d for d, in cursor})
        cls._departments_cache.set(user_id, ids)
        return ids


class DepartmentUser(ModelSQL):
    __string__ = "Department User"
    __name__ = 'med.department-res.user'
    department = fields.Many2One(
        'med.department', "Department", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        Pool().get('med.department')._departments_cache.clear()


class _DepartmentLineMixin:
    "A product line of a department list, unique per product"
    __slots__ = ()
    department = fields.Many2One(
        'med.department', "Department", required=True, ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='CASCADE',
        domain=[('type', '=', 'goods')])
    unit = fields.Function(
        fields.Many2One('product.uom', "Unit"), 'on_change_with_unit')
    consumable_class = fields.Function(fields.Selection(
            'get_consumable_classes', "Consumable Class"),
        'on_change_with_consumable_class')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('department')
        t = cls.__table__()
        cls._sql_constraints += [
            ('product_unique', Unique(t, t.department, t.product),
                'med_consumables_base.msg_department_product_unique'),
            ]
        cls._order = [
            ('department', 'ASC'), ('product', 'ASC'), ('id', 'ASC')]

    @fields.depends('product')
    def on_change_with_unit(self, name=None):
        if self.product:
            return self.product.default_uom

    @classmethod
    def get_consumable_classes(cls):
        Template = Pool().get('product.template')
        return Template.fields_get(['consumable_class'])[
            'consumable_class']['selection']

    @fields.depends('product')
    def on_change_with_consumable_class(self, name=None):
        if self.product:
            return self.product.consumable_class

    def get_rec_name(self, name):
        return f'{self.department.rec_name} - {self.product.rec_name}'


class DepartmentCatalog(_DepartmentLineMixin, ModelSQL, ModelView):
    "Products a department may request (二级库房请领目录)"
    __string__ = "Department Requisition Catalogue"
    __name__ = 'med.department.catalog'
    par_level = fields.Float(
        "Par Level", digits='unit', required=True,
        domain=[('par_level', '>=', 0)],
        help="The quantity the department store should hold; "
        "requisitions propose to top up to it.")
    max_quantity = fields.Float(
        "Maximum Quantity", digits='unit',
        domain=['OR',
            ('max_quantity', '=', None),
            ('max_quantity', '>=', Eval('par_level', 0)),
            ],
        help="The most the department may hold; requisitions above it "
        "are refused.")

    @classmethod
    def default_par_level(cls):
        return 0


class DepartmentFavorite(_DepartmentLineMixin, ModelSQL, ModelView):
    "Products a department usually requests (科室常用目录)"
    __string__ = "Department Favourite"
    __name__ = 'med.department.favorite'
    quantity = fields.Float(
        "Usual Quantity", digits='unit', required=True,
        domain=[('quantity', '>', 0)])
    sequence = fields.Integer("Sequence")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('department', 'ASC'), ('sequence', 'ASC NULLS LAST'),
            ('id', 'ASC')]

    @classmethod
    def validate_fields(cls, favorites, field_names):
        super().validate_fields(favorites, field_names)
        if field_names and not {'product', 'department'} & field_names:
            return
        Catalog = Pool().get('med.department.catalog')
        for favorite in favorites:
            # A favourite is a shortcut into the catalogue, never around it.
            if not Catalog.search([
                        ('department', '=', favorite.department.id),
                        ('product', '=', favorite.product.id),
                        ], limit=1):
                raise DepartmentError(gettext(
                        'med_consumables_base.msg_favorite_not_in_catalog',
                        product=favorite.product.rec_name,
                        department=favorite.department.rec_name))
