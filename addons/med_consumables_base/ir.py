from trytond.pool import Pool, PoolMeta


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.domain.help += (
            '\n- "departments" as list of ids of the user\'s departments')

    @classmethod
    def _get_cache_key(cls, model_names):
        Department = Pool().get('med.department')
        key = super()._get_cache_key(model_names)
        return (*key, tuple(Department.user_departments()))

    @classmethod
    def _get_context(cls, model_name):
        Department = Pool().get('med.department')
        context = super()._get_context(model_name)
        context['departments'] = Department.user_departments()
        return context
