# This file is part of the medical consumables management system.
"""The RPC guard: what a client may send, checked before anything is written.

sao hides readonly fields and never sends a Workflow state, but the HIS and
scripts call create/write/buttons directly over XML-RPC/JSON-RPC, and Tryton
enforces neither ``readonly`` nor ``states`` on the server, nor the types of
the values it converts (``'abc'`` for a quantity ends in an internal error).

The guard sits at the RPC boundary and nowhere else: ``RPCGuard`` is a pool
mixin (tryton.cfg ``[register_mixin]``) applied to every model of the
database; when the pool builds a model class with it, ``__init_subclass__``
replaces the model's ``__rpc__`` entries with ``GuardedRPC`` objects whose
``convert`` (called by the dispatcher, and by proteus, before the method
runs) validates the arguments. Code of the modules (buttons, wizards, crons)
never passes through ``convert``, so transitions keep writing states and
stamps as before. Nothing is half-written: a refusal is raised before the
method is called, in the call's single transaction.

What is checked:
- record ids (``write``, ``delete``, buttons, every method that instantiates
  its first arguments): positive integers in range; for methods that write,
  the records must exist and be readable by the user;
- ``create``/``write``/``copy`` values: known fields, values of the field's
  type (numbers finite, dates real dates, ids existing records — SQLite does
  not enforce foreign keys), one2many/many2many commands well formed and
  their nested values checked the same way against the target model;
- readonly: a statically readonly field (a Workflow state, ``*_at`` stamps,
  function fields without setter) is never accepted; a field readonly through
  its ``states`` for the record's current state (or, on create, for the new
  record's values) is refused when the value changes; children of a parent
  whose one2many is readonly by its states (lines of a submitted document)
  cannot be created, changed or deleted directly either.

The cost is measured in bench/requisition.py (docs/performance.md).
"""
import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation


from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSingleton, ModelSQL, ModelStorage, Workflow
from trytond.model.exceptions import AccessError
from trytond.model.fields.field import get_eval_fields
from trytond.model.modelstorage import _pyson_encoder, _record_eval_pyson
from trytond.pool import Pool
from trytond.rpc import RPC
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction
from trytond.wizard import Wizard

from .exceptions import RPCValueError

INT_MAX = 2 ** 31 - 1
BIGINT_MAX = 2 ** 63 - 1
X2M_ACTIONS = {'create', 'write', 'delete', 'add', 'remove', 'copy'}
_NUMBER = re.compile(r'^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*$')
_DATE = re.compile(r'^\d{4}-\d{2}-\d{2}$')
_TIME = re.compile(r'^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$')
# Fields Tryton fills itself; a client never sends them
_SYSTEM_FIELDS = {'id', 'create_uid', 'create_date', 'write_uid',
    'write_date', 'rec_name', '_timestamp'}


def _show(value, limit=40):
    "The bad value as the user will read it in the error (truncated)."
    text = repr(value) if not isinstance(value, str) else value
    if len(text) > limit:
        text = text[:limit] + '…'
    return text


class RPCGuard:
    "Pool mixin: every model's RPC entry points go through GuardedRPC."
    __slots__ = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        rpc = getattr(cls, '__rpc__', None)
        if not rpc or any(isinstance(r, GuardedRPC) for r in rpc.values()):
            return
        cls.__rpc__ = {
            name: GuardedRPC.wrap(name, r) for name, r in rpc.items()}


class WizardGuard(RPCGuard):
    "The same for wizards: the values of their forms are checked."
    __slots__ = ()


class GuardedRPC(RPC):
    __slots__ = ('method',)

    @classmethod
    def wrap(cls, method, rpc):
        if not isinstance(rpc, RPC) or isinstance(rpc, GuardedRPC):
            return rpc
        guarded = cls.__new__(cls)
        for slot in RPC.__slots__:
            if hasattr(rpc, slot):
                setattr(guarded, slot, getattr(rpc, slot))
        guarded.method = method
        return guarded

    def convert(self, obj, *args, **kwargs):
        # Shapes first: they need no database and the dispatcher's own
        # instantiation would choke on them (or abort with an HTTP error).
        payload = list(args)
        raw_context = kwargs.get('context')
        if 'context' not in kwargs and payload:
            raw_context = payload[-1]
            payload = payload[:-1]
        language = raw_context.get('language') if isinstance(
            raw_context, dict) else None
        if self.instantiate is not None:
            with Transaction().set_context(
                    language=language if isinstance(language, str) else None):
                _check_instantiated(
                    obj, self.instantiate, payload, self.unique)
        result = super().convert(obj, *args, **kwargs)
        c_args, c_kwargs, context, timestamp = result
        if self.method == 'execute' and isinstance(obj, type) and issubclass(
                obj, Wizard):
            with Transaction().set_context(context):
                checker = PayloadChecker(obj)
                c_args = checker.check_wizard(obj, c_args)
                checker.check_references()
        elif issubclass(obj, ModelStorage) and (
                self.method in {'create', 'write', 'copy', 'delete'}
                or (not self.readonly and self.instantiate == 0)):
            with Transaction().set_context(context):
                checker = PayloadChecker(obj)
                c_args = checker.check(self.method, c_args)
                checker.check_references()
        return c_args, c_kwargs, context, timestamp


def _check_instantiated(obj, instantiate, args, unique):
    if isinstance(instantiate, slice):
        positions = range(*instantiate.indices(len(args)))
    else:
        positions = [instantiate] if instantiate < len(args) else []
    for i in positions:
        data = args[i]
        if isinstance(data, dict):
            # on_change and friends send a record's values as a dict
            continue
        ids = [data] if isinstance(data, int) else data
        if (not isinstance(ids, (list, tuple))
                or not all(_is_id(i) for i in ids)):
            raise RPCValueError(gettext(
                    'med_consumables_base.msg_rpc_bad_ids',
                    value=_show(data), **_names(obj)))
        if unique and len(ids) != len(set(ids)):
            raise RPCValueError(gettext(
                    'med_consumables_base.msg_rpc_duplicate_ids',
                    value=_show(data), **_names(obj)))


def _is_id(value, allow_negative=False):
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    if allow_negative:
        return -INT_MAX <= value <= INT_MAX and value != 0
    return 0 < value <= INT_MAX


def _names(Model, field=None):
    try:
        return Model.__names__(field=field)
    except Exception:
        names = {'model': Model.__name__}
        if field:
            names['field'] = field
        return names


class PayloadChecker:
    "Checks one RPC call's arguments against the models' fields."

    def __init__(self, Model):
        self.Model = Model
        # model name -> ids that the payload references
        self.references = {}
        self._defaults = {}
        self._readonly_memo = {}

    # -- entry points --------------------------------------------------
    def check_wizard(self, Wizard, args):
        """execute(session, data, state): data holds the values of the
        wizard's forms by state name; their types are checked like a
        record's (a wizard form is filled in, so readonly is its own)."""
        if len(args) < 3 or not isinstance(args[0], int) or not isinstance(
                args[1], dict) or not isinstance(args[2], str):
            raise RPCValueError(gettext(
                    'med_consumables_base.msg_rpc_bad_wizard',
                    wizard=Wizard.__name__))
        pool = Pool()
        for state_name, values in args[1].items():
            state = Wizard.states.get(state_name)
            model_name = getattr(state, 'model_name', None)
            if not model_name:
                continue
            Model = pool.get(model_name)
            if not isinstance(values, dict):
                self._refuse('msg_rpc_bad_vlist', Model, value=values)
            checked = {}
            for name, value in values.items():
                # ids and the client's own keys ("product." holds the
                # rec_name sao shows) are not form values
                if name == 'id' or (isinstance(name, str) and (
                            name.startswith('_') or name.endswith('.')
                            or name == 'rec_name')):
                    checked[name] = value
                    continue
                if not isinstance(name, str) or name not in Model._fields:
                    self._refuse('msg_rpc_unknown_field', Model, value=name)
                checked[name] = self._wizard_value(
                    Model, name, Model._fields[name], value)
            args[1][state_name] = checked
        return args

    def _wizard_value(self, Model, name, field, value):
        if field._type in {'one2many', 'many2many'} and isinstance(
                value, (list, tuple)):
            Target = field.get_target()
            if value and all(_is_id(v) for v in value):
                # a form's list given as the ids it shows
                self._reference(Target.__name__, value, Model, name)
                return value
            if all(isinstance(v, dict) for v in value):
                # or as the values of its records
                for v in value:
                    for n, v2 in v.items():
                        if n in Target._fields and n != 'id':
                            v[n] = self._wizard_value(
                                Target, n, Target._fields[n], v2)
                return value
        return self.check_value(Model, name, field, value)

    def check(self, method, args):
        Model = self.Model
        if method == 'create':
            if not args or not isinstance(args[0], (list, tuple)) or not all(
                    isinstance(v, dict) for v in args[0]):
                self._refuse('msg_rpc_bad_vlist', Model, value=args[:1])
            args[0] = [self.check_create(Model, v) for v in args[0]]
        elif method == 'write':
            if len(args) % 2:
                self._refuse('msg_rpc_bad_vlist', Model, value=args[-1:])
            for i in range(0, len(args), 2):
                records, values = args[i], args[i + 1]
                if not isinstance(values, dict):
                    self._refuse('msg_rpc_bad_vlist', Model, value=values)
                self.check_exist(Model, records)
                args[i + 1] = self.check_write(Model, records, values)
        elif method == 'copy':
            records = args[0] if args else []
            self.check_exist(Model, records)
            if len(args) > 1 and args[1] is not None:
                if not isinstance(args[1], dict):
                    self._refuse('msg_rpc_bad_vlist', Model, value=args[1])
                args[1] = self.check_values(Model, args[1], None)
        elif method == 'delete':
            records = args[0] if args else []
            self.check_exist(Model, records)
            self.check_parents(Model, records)
        elif args:
            # A button or another method that changes its records
            records = args[0]
            if isinstance(records, Model):
                records = [records]
            if isinstance(records, (list, tuple)):
                self.check_exist(Model, records)
        return args

    def check_create(self, Model, values, parent_field=None):
        values = self.check_values(Model, values, None, parent_field)
        if issubclass(Model, Workflow):
            state = Model._transition_state
            if state in values:
                default = self._default(Model).get(state)
                if values[state] != default:
                    self._refuse('msg_rpc_state', Model, state)
        self.check_states_create(Model, values, parent_field)
        return values

    def check_write(self, Model, records, values):
        values = self.check_values(Model, values, records)
        if issubclass(Model, Workflow):
            state = Model._transition_state
            if state in values:
                for record in records:
                    if getattr(record, state) != values[state]:
                        self._refuse_record('msg_rpc_state', Model, record,
                            state)
        for name, value in values.items():
            field = Model._fields[name]
            readonly = field.states.get('readonly')
            if readonly is None:
                continue
            encoded = _pyson_encoder.encode(readonly)
            for record in records:
                if (_record_eval_pyson(record, encoded, encoded=True)
                        and self._changes(record, name, field, value)):
                    self._refuse_record(
                        'msg_rpc_readonly_state', Model, record, name)
        self.check_parents(Model, records, values)
        return values

    # -- values --------------------------------------------------------
    def check_values(self, Model, values, records, parent_field=None):
        checked = {}
        for name, value in values.items():
            if not isinstance(name, str) or name not in Model._fields:
                self._refuse('msg_rpc_unknown_field', Model, value=name)
            field = Model._fields[name]
            if name in _SYSTEM_FIELDS or (field.readonly and not (
                        field._type in {'one2many', 'many2many'}
                        and not value)):
                self._refuse('msg_rpc_readonly', Model, name)
            checked[name] = self.check_value(Model, name, field, value)
        return checked

    def check_value(self, Model, name, field, value):
        type_ = field._type
        if value is None:
            if type_ in {'one2many', 'many2many', 'multiselection'}:
                self._refuse('msg_rpc_expect_commands', Model, name, value)
            return value
        check = getattr(self, f'_check_{type_}', None)
        if check is None:
            return value
        return check(Model, name, field, value)

    def _number(self, Model, name, value):
        if isinstance(value, bool):
            self._refuse('msg_rpc_expect_number', Model, name, value)
        if isinstance(value, str):
            if not _NUMBER.match(value):
                self._refuse('msg_rpc_expect_number', Model, name, value)
            value = Decimal(value.strip())
        if isinstance(value, (int, Decimal)):
            if isinstance(value, Decimal) and not value.is_finite():
                self._refuse('msg_rpc_expect_number', Model, name, value)
            return value
        if isinstance(value, float):
            if not math.isfinite(value):
                self._refuse('msg_rpc_expect_number', Model, name, value)
            return value
        self._refuse('msg_rpc_expect_number', Model, name, value)

    def _check_integer(self, Model, name, field, value, limit=INT_MAX):
        value = self._number(Model, name, value)
        if value != int(value) or not -limit - 1 <= value <= limit:
            self._refuse('msg_rpc_expect_integer', Model, name, value)
        return int(value)

    def _check_biginteger(self, Model, name, field, value):
        return self._check_integer(Model, name, field, value, BIGINT_MAX)

    def _check_float(self, Model, name, field, value):
        value = self._number(Model, name, value)
        try:
            result = float(value)
        except OverflowError:
            result = math.inf
        if not math.isfinite(result) or abs(result) > 1e15:
            self._refuse('msg_rpc_expect_number', Model, name, value)
        return result

    def _check_numeric(self, Model, name, field, value):
        value = self._number(Model, name, value)
        try:
            result = Decimal(str(value)) if isinstance(value, float) else (
                Decimal(value))
        except InvalidOperation:
            self._refuse('msg_rpc_expect_number', Model, name, value)
        if abs(result) >= Decimal('1e15'):
            self._refuse('msg_rpc_expect_number', Model, name, value)
        return result

    def _check_char(self, Model, name, field, value):
        if not isinstance(value, str):
            self._refuse('msg_rpc_expect_text', Model, name, value)
        return value

    _check_text = _check_char
    _check_color = _check_char

    def _check_boolean(self, Model, name, field, value):
        if not isinstance(value, bool):
            self._refuse('msg_rpc_expect_boolean', Model, name, value)
        return value

    def _check_date(self, Model, name, field, value):
        if isinstance(value, dt.datetime):
            self._refuse('msg_rpc_expect_date', Model, name, value)
        if isinstance(value, str):
            try:
                if not _DATE.match(value):
                    raise ValueError
                value = dt.date.fromisoformat(value)
            except ValueError:
                self._refuse('msg_rpc_expect_date', Model, name, value)
        if not isinstance(value, dt.date):
            self._refuse('msg_rpc_expect_date', Model, name, value)
        return value

    def _check_datetime(self, Model, name, field, value):
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                self._refuse('msg_rpc_expect_datetime', Model, name, value)
        if not isinstance(value, dt.datetime):
            self._refuse('msg_rpc_expect_datetime', Model, name, value)
        return value

    _check_timestamp = _check_datetime

    def _check_time(self, Model, name, field, value):
        if isinstance(value, str):
            try:
                if not _TIME.match(value):
                    raise ValueError
                value = dt.time.fromisoformat(value)
            except ValueError:
                self._refuse('msg_rpc_expect_time', Model, name, value)
        if not isinstance(value, dt.time):
            self._refuse('msg_rpc_expect_time', Model, name, value)
        return value

    def _check_timedelta(self, Model, name, field, value):
        if not isinstance(value, dt.timedelta):
            self._refuse('msg_rpc_expect_timedelta', Model, name, value)
        return value

    def _check_selection(self, Model, name, field, value):
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            self._refuse('msg_rpc_expect_selection', Model, name, value)
        return value

    def _check_multiselection(self, Model, name, field, value):
        if not isinstance(value, (list, tuple)) or not all(
                isinstance(v, str) for v in value):
            self._refuse('msg_rpc_expect_selection', Model, name, value)
        return value

    def _check_dict(self, Model, name, field, value):
        if not isinstance(value, dict):
            self._refuse('msg_rpc_expect_dict', Model, name, value)
        return value

    def _check_binary(self, Model, name, field, value):
        if not isinstance(value, (bytes, bytearray, memoryview)):
            self._refuse('msg_rpc_expect_binary', Model, name, value)
        return value

    def _check_many2one(self, Model, name, field, value):
        if not _is_id(value):
            self._refuse('msg_rpc_expect_id', Model, name, value)
        self._reference(field.model_name, [value], Model, name)
        return value

    _check_one2one = _check_many2one

    def _check_reference(self, Model, name, field, value):
        if isinstance(value, (list, tuple)) and len(value) == 2:
            model, id_ = value
        elif isinstance(value, str):
            model, _, id_ = value.partition(',')
            try:
                id_ = int(id_) if id_ not in {'', None} else None
            except ValueError:
                self._refuse('msg_rpc_expect_reference', Model, name, value)
        else:
            self._refuse('msg_rpc_expect_reference', Model, name, value)
        if not isinstance(model, str):
            self._refuse('msg_rpc_expect_reference', Model, name, value)
        if not model:
            return value
        try:
            Pool().get(model)
        except KeyError:
            self._refuse('msg_rpc_expect_reference', Model, name, value)
        if id_ is None or id_ == -1:
            return value
        if not _is_id(id_):
            self._refuse('msg_rpc_expect_reference', Model, name, value)
        self._reference(model, [id_], Model, name)
        return value

    def _check_one2many(self, Model, name, field, value):
        return self._commands(Model, name, field, value)

    _check_many2many = _check_one2many

    def _commands(self, Model, name, field, value):
        Target = field.get_target()
        if not isinstance(value, (list, tuple)):
            self._refuse('msg_rpc_expect_commands', Model, name, value)
        inverse = getattr(field, 'field', None) if field._type == (
            'one2many') else None
        result = []
        for command in value:
            if (not isinstance(command, (list, tuple)) or not command
                    or command[0] not in X2M_ACTIONS):
                self._refuse('msg_rpc_expect_commands', Model, name, command)
            action, *rest = command

            def ids(data):
                if (not isinstance(data, (list, tuple))
                        or not all(_is_id(i) for i in data)):
                    self._refuse(
                        'msg_rpc_expect_commands', Model, name, command)
                self._reference(Target.__name__, data, Model, name)
                return list(data)

            if action == 'create':
                if len(rest) != 1 or not isinstance(rest[0], (list, tuple)) \
                        or not all(isinstance(v, dict) for v in rest[0]):
                    self._refuse(
                        'msg_rpc_expect_commands', Model, name, command)
                result.append(('create', [
                            self.check_create(Target, v, inverse)
                            for v in rest[0]]))
            elif action == 'write':
                if not rest or len(rest) % 2:
                    self._refuse(
                        'msg_rpc_expect_commands', Model, name, command)
                checked = ['write']
                for i in range(0, len(rest), 2):
                    records, values = rest[i], rest[i + 1]
                    if not isinstance(values, dict):
                        self._refuse(
                            'msg_rpc_expect_commands', Model, name, command)
                    records = Target.browse(ids(records))
                    checked.append(list(map(int, records)))
                    checked.append(self.check_write(Target, records, values))
                result.append(tuple(checked))
            elif action == 'copy':
                if not rest or len(rest) > 2:
                    self._refuse(
                        'msg_rpc_expect_commands', Model, name, command)
                # Target.copy reads the originals without access checks:
                # the user must be able to read them (another department's
                # requisition lines are not theirs to copy)
                copied = ['copy', ids(rest[0])]
                self.check_exist(Target, copied[1])
                if len(rest) == 2:
                    if not isinstance(rest[1], dict):
                        self._refuse(
                            'msg_rpc_expect_commands', Model, name, command)
                    copied.append(self.check_values(Target, rest[1], None))
                result.append(tuple(copied))
            else:
                if len(rest) != 1:
                    self._refuse(
                        'msg_rpc_expect_commands', Model, name, command)
                result.append((action, ids(rest[0])))
        return result

    # -- records -------------------------------------------------------
    def _reference(self, model_name, ids, Model=None, name=None):
        refs = self.references.setdefault(model_name, {})
        for id_ in ids:
            refs.setdefault(id_, (Model, name))

    def check_references(self):
        "Every id the payload names exists (SQLite has no foreign keys)."
        pool = Pool()
        cursor = Transaction().connection.cursor()
        for model_name, refs in self.references.items():
            Target = pool.get(model_name)
            if not issubclass(Target, ModelSQL) or callable(
                    getattr(Target, 'table_query', None)):
                continue
            table = Target.__table__()
            found = set()
            for sub_ids in grouped_slice(
                    list(refs), backend.MAX_QUERY_PARAMS):
                cursor.execute(*table.select(
                        table.id, where=reduce_ids(table.id, sub_ids)))
                found.update(i for i, in cursor)
            missing = [i for i in refs if i not in found]
            if missing:
                Model, name = refs[missing[0]]
                names = _names(Model, name)
                raise RPCValueError(gettext(
                        'med_consumables_base.msg_rpc_missing_reference',
                        value=missing[0],
                        target=_names(Target)['model'], **names))

    def check_exist(self, Model, records):
        "The records of a call that writes exist and the user may read them."
        ids = [int(r) for r in records]
        if (not ids or not issubclass(Model, ModelSQL)
                or issubclass(Model, ModelSingleton)
                or callable(getattr(Model, 'table_query', None))):
            return
        found = set()
        for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            found.update(map(int, Model.search(
                        [('id', 'in', list(sub_ids))], order=[])))
        missing = [i for i in ids if i not in found]
        if missing:
            raise AccessError(gettext(
                    'med_consumables_base.msg_rpc_missing_records',
                    ids=', '.join(map(str, missing[:5])),
                    **_names(Model)))

    def check_states_create(self, Model, values, parent_field=None):
        """Fields readonly by the new record's state (approved_by on a draft
        that is approved only by its button) and lines of a parent that can
        no longer change. Readonly rules that depend on other fields of the
        record (a unit readonly once a price is set) order the editing in
        the form; on creation all values arrive at once, so they are not
        applied here."""
        state = Model._transition_state if issubclass(
            Model, Workflow) else None
        stated = [n for n in values
            if Model._fields[n].states.get('readonly') is not None
            and state and set(_state_depends(Model._fields[n])) <= {state}]
        if stated:
            defaults = self._default(Model)
            key = (Model.__name__, repr(values.get(state, defaults.get(state))))
            record = Model(**{state: values.get(state, defaults.get(state))})
            for name in stated:
                field = Model._fields[name]
                memo = (key, name)
                if memo not in self._readonly_memo:
                    encoded = _pyson_encoder.encode(field.states['readonly'])
                    self._readonly_memo[memo] = bool(
                        _record_eval_pyson(record, encoded, encoded=True))
                if self._readonly_memo[memo] and (
                        values[name] != defaults.get(name)):
                    self._refuse('msg_rpc_readonly_state_new', Model, name)
        for fname, Parent, o2m_name in self._parent_links(Model):
            if fname == parent_field or not values.get(fname):
                continue
            self._check_parent(Parent, values[fname], o2m_name)

    def check_parents(self, Model, records, values=None):
        for fname, Parent, o2m_name in self._parent_links(Model):
            for record in records:
                parent = getattr(record, fname, None)
                if parent:
                    self._check_parent(Parent, parent.id, o2m_name)
                if values and values.get(fname):
                    self._check_parent(Parent, values[fname], o2m_name)

    def _check_parent(self, Parent, parent_id, o2m_name):
        key = (Parent.__name__, parent_id, o2m_name)
        if key in self._readonly_memo:
            return
        field = Parent._fields[o2m_name]
        parent = Parent(parent_id)
        encoded = _pyson_encoder.encode(field.states['readonly'])
        readonly = _record_eval_pyson(parent, encoded, encoded=True)
        self._readonly_memo[key] = readonly
        if readonly:
            self._refuse_record(
                'msg_rpc_readonly_parent', Parent, parent, o2m_name)

    def _parent_links(self, Model):
        """(many2one, parent model, one2many) where the parent's one2many of
        this model is readonly by its states (lines of a document)."""
        # Cached on the pool's class: rebuilt with the pool, never shared
        # between databases of different modules
        links = Model.__dict__.get('_med_parent_links')
        if links is None:
            pool = Pool()
            links = []
            for fname, field in Model._fields.items():
                if field._type != 'many2one':
                    continue
                try:
                    Parent = pool.get(field.model_name)
                except KeyError:
                    continue
                for o2m_name, o2m in Parent._fields.items():
                    if (o2m._type == 'one2many'
                            and o2m.model_name == Model.__name__
                            and getattr(o2m, 'field', None) == fname
                            and not o2m.readonly
                            and o2m.states.get('readonly') is not None
                            and not hasattr(o2m, 'getter')):
                        links.append((fname, Parent, o2m_name))
            Model._med_parent_links = links
        return links

    def _default(self, Model):
        if Model.__name__ not in self._defaults:
            self._defaults[Model.__name__] = Model.default_get(
                list(Model._fields), with_rec_name=False)
        return self._defaults[Model.__name__]

    @staticmethod
    def _changes(record, name, field, value):
        if field._type in {'one2many', 'many2many'}:
            return bool(value)
        current = getattr(record, name, None)
        if field._type in {'many2one', 'one2one'}:
            current = current.id if current else None
        elif field._type == 'reference':
            current = str(current) if current else None
            value = value if isinstance(value, str) or value is None else (
                '%s,%s' % tuple(value))
        elif field._type == 'numeric' and current is not None:
            return Decimal(current) != Decimal(value) if (
                value is not None) else True
        return current != value

    # -- errors --------------------------------------------------------
    def _refuse(self, message, Model, field=None, value=None, **kwargs):
        names = _names(Model, field)
        error = AccessError if message in {
            'msg_rpc_readonly', 'msg_rpc_state',
            'msg_rpc_readonly_state_new'} else RPCValueError
        raise error(gettext(
                f'med_consumables_base.{message}',
                value=_show(value), **{**names, **kwargs}))

    def _refuse_record(self, message, Model, record, field=None):
        names = _names(Model, field)
        try:
            names['record'] = record.rec_name
        except Exception:
            names['record'] = str(record.id)
        if message == 'msg_rpc_readonly_state' and issubclass(
                Model, Workflow):
            # Say which state closes the field (a document's own state)
            state = Model._transition_state
            selection = dict(Model.fields_get([state])[state].get(
                    'selection') or [])
            value = getattr(record, state, None)
            names['state'] = selection.get(value, value)
            message = 'msg_rpc_readonly_in_state'
        raise AccessError(gettext(
                f'med_consumables_base.{message}', **names))


def _state_depends(field):
    "The fields of the record its readonly state reads (parents by field)."
    names = set()
    for name in get_eval_fields(field.states.get('readonly')):
        name = name.split('.')[0]
        if name.startswith('_parent_'):
            name = name[len('_parent_'):]
        names.add(name)
    return sorted(names)
