from trytond.model import fields
from trytond.pool import PoolMeta


class User(metaclass=PoolMeta):
    __name__ = 'res.user'
    departments = fields.Many2Many(
        'med.department-res.user', 'user', 'department', "Departments",
        help="The clinical departments this user works for.")
