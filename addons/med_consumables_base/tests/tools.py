"Scenario helpers: the hospital's people and places, created through proteus."
from proteus import Model
from trytond.modules.company.tests.tools import get_company

GROUPS = {
    'department': 'group_med_department',
    'department_head': 'group_med_department_head',
    'warehouse': 'group_med_warehouse',
    'warehouse_manager': 'group_med_warehouse_manager',
    'purchaser': 'group_med_purchaser',
    'purchase_manager': 'group_med_purchase_manager',
    'finance': 'group_med_finance',
    'admin': 'group_med_admin',
    'his': 'group_med_his',
    'maintenance': 'group_med_maintenance',
    }


def get_group(role, config=None):
    ModelData = Model.get('ir.model.data', config=config)
    Group = Model.get('res.group', config=config)
    group_id = ModelData.get_id(
        'med_consumables_base', GROUPS[role], Group._config.context)
    return Group(group_id)


def create_user(login, *roles, name=None, employee=True, config=None):
    "A user of the company with the given roles (keys of GROUPS)."
    User = Model.get('res.user', config=config)
    Party = Model.get('party.party', config=config)
    Employee = Model.get('company.employee', config=config)
    company = get_company(config=config)
    user = User(login=login, name=name or login)
    for role in roles:
        user.groups.append(get_group(role, config=config))
    if employee:
        party = Party(name=name or login)
        party.save()
        employee = Employee(party=party, company=company)
        employee.save()
        user.employees.append(employee)
        user.employee = employee
    user.save()
    return user


def create_store(name, code, kind, bins=0, config=None):
    """A warehouse location with its input, output and storage children,
    and bins storage locations (货位 <name>-01 …) under its storage."""
    Location = Model.get('stock.location', config=config)
    storage = Location(name=f'{name}-储存区', code=f'{code}-STO',
        type='storage')
    storage.save()
    input_ = Location(name=f'{name}-入库区', code=f'{code}-IN', type='storage')
    input_.save()
    output = Location(name=f'{name}-出库区', code=f'{code}-OUT',
        type='storage')
    output.save()
    store = Location(name=name, code=code, type='warehouse',
        warehouse_kind=kind, storage_location=storage,
        input_location=input_, output_location=output)
    store.save()
    for i in range(bins):
        Location(name=f'{name}-{i + 1:02d}', code=f'{code}-{i + 1:02d}',
            type='storage', parent=storage).save()
    return store


def create_department(name, code, supply_warehouse, users=(), head=None,
        config=None):
    Department = Model.get('med.department', config=config)
    store = create_store(f'{name}二级库', f'{code}-WH', 'department',
        config=config)
    department = Department(name=name, code=code, his_code=code,
        warehouse=store, supply_warehouse=supply_warehouse)
    if head:
        department.head = head.employee
    for user in users:
        department.users.append(Model.get('res.user', config=config)(user.id))
    department.save()
    return department
