"""The benches' people and places, made with the scenarios' own helpers
(med_consumables_base/tests/tools.py through proteus, as the admin): a
bench measures the hospital the tests run on, not a copy of its set-up.
The bulk data (products, catalogues, stock) stay in each bench, created
with the ORM or SQL in batches: proteus saves one record per call.
"""


def people_and_places(database, users, stores, departments):
    """Create in database the company 江城市第一人民医院 (CNY) and

    users: [(login, name, roles)] (roles: keys of tools.GROUPS; each user
    gets an employee), stores: [(name, code, kind, bins)], departments:
    [(name, code, supplying store code, member logins, head login)].

    Returns the ids: {'company', 'currency', 'users': {login: id},
    'stores': {code: id}, 'storages': {code: storage id}, 'bins': {code:
    [bin ids]}, 'departments': {code: id}, 'department_stores': {code:
    store id}}.
    """
    from proteus import Model
    from proteus import config as proteus_config

    from med_consumables_base.tests.tools import (
        create_department, create_store, create_user)
    from trytond.modules.company.tests.tools import (
        create_company, get_company)

    proteus_config.set_trytond(database)
    Party = Model.get('party.party')
    party = Party(name='江城市第一人民医院')
    party.save()
    create_company(party, 'CNY')
    company = get_company()
    result = {'company': company.id, 'currency': company.currency.id,
        'users': {}, 'stores': {}, 'storages': {}, 'bins': {},
        'departments': {}, 'department_stores': {}}
    people = {}
    for login, name, roles in users:
        people[login] = create_user(login, *roles, name=name)
        result['users'][login] = people[login].id
    stores_ = {}
    for name, code, kind, bins in stores:
        store = stores_[code] = create_store(name, code, kind, bins=bins)
        result['stores'][code] = store.id
        result['storages'][code] = store.storage_location.id
        result['bins'][code] = [
            b.id for b in sorted(store.storage_location.childs,
                key=lambda b: b.code)]
    for name, code, supplier, members, head in departments:
        department = create_department(name, code, stores_[supplier],
            users=[people[m] for m in members],
            head=people[head] if head else None)
        result['departments'][code] = department.id
        result['department_stores'][code] = department.warehouse.id
        result['storages'][department.warehouse.code] = (
            department.warehouse.storage_location.id)
    return result
