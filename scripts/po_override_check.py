#!/usr/bin/env python3
"""Check the coverage and validity of a Tryton translation override file.

Tryton loads ``locale/override/<lang>.po`` of a module and, for every entry
whose msgctxt res_id part contains a dot (``type:name:module.xml_id``),
overrides the translation row of *another* module
(``ir.translation.translation_import`` -> ``override_translation``).  That
code does ``translation, = cls.search(domain)``, so:

* the row must exist, i.e. the entry must be present in the upstream
  module's ``locale/<lang>.po`` (entries with an empty msgstr are imported
  too, with an empty value, so they can be overridden);
* for the types ``field``, ``help`` and ``model`` the source text is NOT part
  of the search domain, so the (type, name, res_id) must be unique upstream
  (e.g. ``help:stock.location,type:`` has one row per selection option and
  can not be overridden: module activation would crash);
* the row is only written when the value changes: if the upstream entry is
  ``#, fuzzy`` (hidden by Tryton) and the override has the *same* text, the
  fuzzy flag is not cleared and the English source is still displayed.

For every module this script lists the upstream entries that are empty or
fuzzy (i.e. shown in English to users) and whether the override covers
them, and it reports the override entries that would crash the module
activation or have no effect.

Usage::

    .venv/bin/python scripts/po_override_check.py              # summary
    .venv/bin/python scripts/po_override_check.py -v           # + details
    .venv/bin/python scripts/po_override_check.py -m stock -v  # one module
    .venv/bin/python scripts/po_override_check.py --missing-only

The exit status is 1 when the override file has errors (usable in CI).
"""
import argparse
import glob
import os
import re
import sys
from collections import Counter, defaultdict

try:
    import polib
except ImportError:  # pragma: no cover
    sys.exit("polib is required (it is a dependency of trytond)")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_OVERRIDE = os.path.join(
    ROOT, 'addons', 'med_consumables_base', 'locale', 'override',
    'zh_CN.po')
DEFAULT_MODULES = [
    'ir', 'res', 'party', 'company', 'product', 'stock', 'stock_lot',
    'stock_lot_sled', 'stock_consignment']
# Types for which override_translation does not filter on the source text
NO_SRC_TYPES = {'field', 'help', 'model'}
PLACEHOLDER = re.compile(r'%\((\w+)\)[sdirf]|\$\{\w+\}|\{\}|\[\d+:|%s')
XML_ID = re.compile(r'<(?:record|menuitem)\b[^>]*?\bid="([^"]+)"', re.S)


def trytond_dir():
    try:
        import trytond
    except ImportError:
        candidates = glob.glob(os.path.join(
                ROOT, '.venv', 'lib', 'python3*', 'site-packages', 'trytond'))
        if not candidates:
            sys.exit("trytond not found: run with the project virtualenv")
        return candidates[0]
    return os.path.dirname(trytond.__file__)


def module_dir(module):
    base = trytond_dir()
    if module in {'ir', 'res'}:
        return os.path.join(base, module)
    return os.path.join(base, 'modules', module)


def xml_ids(module):
    "Return the XML ids defined by the module (all xml files, not views)"
    ids = set()
    directory = module_dir(module)
    for path in glob.glob(os.path.join(directory, '**', '*.xml'),
            recursive=True):
        rel = os.path.relpath(path, directory).split(os.sep)
        if rel[0] in {'view', 'tests'} or 'view' in rel[:-1]:
            continue
        with open(path, encoding='utf-8') as fp:
            ids.update(XML_ID.findall(fp.read()))
    return ids


def split_ctx(msgctxt):
    ttype, name, res_id = msgctxt.split(':')
    return ttype, name, res_id


def entry_value(entry):
    if entry.msgid_plural:
        return entry.msgstr_plural.get(0, '')
    return entry.msgstr


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('-o', '--override', default=DEFAULT_OVERRIDE,
        help="override po file (default: %(default)s)")
    parser.add_argument('-l', '--lang', default=None,
        help="language code (default: override file name)")
    parser.add_argument('-m', '--module', dest='modules', action='append',
        help="upstream module to check (repeatable, default: %s)"
        % ' '.join(DEFAULT_MODULES))
    parser.add_argument('-v', '--verbose', action='store_true',
        help="list every empty/fuzzy upstream entry")
    parser.add_argument('--missing-only', action='store_true',
        help="list only empty/fuzzy upstream entries not overridden")
    args = parser.parse_args()
    lang = args.lang or os.path.splitext(os.path.basename(args.override))[0]
    modules = args.modules or DEFAULT_MODULES

    errors, warnings = [], []
    override = polib.pofile(args.override) if os.path.exists(
        args.override) else []
    if not override:
        warnings.append("override file %s is missing or empty"
            % args.override)
    # (module, ctx without module, msgid) -> override entry
    overrides = {}
    for entry in override:
        if entry.obsolete:
            continue
        where = 'line %s' % entry.linenum
        if 'fuzzy' in entry.flags:
            errors.append("%s: '#, fuzzy' in override file (%s): the "
                "translation would stay hidden" % (where, entry.msgctxt))
        try:
            ttype, name, res_id = split_ctx(entry.msgctxt)
        except (AttributeError, ValueError):
            errors.append("%s: invalid msgctxt %r" % (where, entry.msgctxt))
            continue
        if '.' not in res_id:
            warnings.append("%s: %s is not an override (no module in "
                "res_id)" % (where, entry.msgctxt))
            continue
        module, xml_id = res_id.split('.', 1)
        key = (module, '%s:%s:%s' % (ttype, name, xml_id), entry.msgid)
        if key in overrides:
            errors.append("%s: duplicate override %s" % (
                    where, entry.msgctxt))
        overrides[key] = entry

    checked_modules = set()
    total = Counter()
    report = []
    extra = sorted({k[0] for k in overrides} - set(modules))
    for module in modules + extra:
        po_path = os.path.join(module_dir(module), 'locale', '%s.po' % lang)
        if not os.path.exists(po_path):
            if any(k[0] == module for k in overrides):
                errors.append("%s has no locale/%s.po: its translations "
                    "can not be overridden" % (module, lang))
            else:
                warnings.append("%s has no locale/%s.po" % (module, lang))
            continue
        checked_modules.add(module)
        upstream = [e for e in polib.pofile(po_path) if not e.obsolete]
        by_key = {(e.msgctxt, e.msgid): e for e in upstream}
        ctx_count = Counter(e.msgctxt for e in upstream)
        ids = xml_ids(module)

        # Validate the override entries of this module
        for (omodule, ctx, msgid), oentry in overrides.items():
            if omodule != module:
                continue
            where = 'line %s' % oentry.linenum
            ttype, name, res_id = split_ctx(ctx)
            up = by_key.get((ctx, msgid))
            if up is None and ttype in NO_SRC_TYPES:
                same_ctx = [e for e in upstream if e.msgctxt == ctx]
                if len(same_ctx) == 1:
                    up = same_ctx[0]
                    warnings.append("%s: %s: msgid differs from upstream "
                        "(%r), value is applied anyway" % (
                            where, oentry.msgctxt, up.msgid))
            if up is None:
                errors.append("%s: %s %r not in %s/locale/%s.po: "
                    "module activation would crash" % (
                        where, oentry.msgctxt, msgid, module, lang))
                continue
            if ttype in NO_SRC_TYPES and ctx_count[ctx] > 1:
                errors.append("%s: %s matches %d upstream rows (source is "
                    "not searched for type %s): module activation would "
                    "crash" % (where, oentry.msgctxt, ctx_count[ctx], ttype))
            if res_id and res_id not in ids:
                errors.append("%s: %s: xml id %s.%s not found in the module "
                    "XML files: module activation would crash" % (
                        where, oentry.msgctxt, module, res_id))
            if bool(up.msgid_plural) != bool(oentry.msgid_plural):
                warnings.append("%s: %s: plural form differs from upstream"
                    % (where, oentry.msgctxt))
            value = entry_value(oentry)
            if not value:
                warnings.append("%s: %s: empty translation" % (
                        where, oentry.msgctxt))
            elif value == entry_value(up):
                if 'fuzzy' in up.flags:
                    errors.append("%s: %s: same text as the fuzzy upstream "
                        "entry: the fuzzy flag is not cleared, change the "
                        "wording" % (where, oentry.msgctxt))
                else:
                    warnings.append("%s: %s: identical to upstream (no "
                        "effect)" % (where, oentry.msgctxt))
            if (sorted(PLACEHOLDER.findall(up.msgid))
                    != sorted(PLACEHOLDER.findall(value))):
                errors.append("%s: %s: placeholders differ from msgid" % (
                        where, oentry.msgctxt))

        # Coverage of the untranslated (empty or fuzzy) upstream entries
        stats = Counter()
        lines = []
        for up in upstream:
            state = 'fuzzy' if 'fuzzy' in up.flags else (
                'empty' if not entry_value(up) else None)
            covered = (module, up.msgctxt, up.msgid) in overrides
            stats['entries'] += 1
            if covered:
                stats['overridden'] += 1
            if state is None:
                continue
            stats[state] += 1
            stats['%s_covered' % state] += covered
            if covered and args.missing_only:
                continue
            if (args.verbose or args.missing_only) and module in modules:
                if not covered and ctx_count[up.msgctxt] > 1 and (
                        split_ctx(up.msgctxt)[0] in NO_SRC_TYPES):
                    mark = 'CANNOT'
                else:
                    mark = 'ok' if covered else 'MISSING'
                lines.append("  %-7s %-5s %s %r" % (
                        mark, state, up.msgctxt, up.msgid[:70]))
        total.update(stats)
        report.append("%-18s entries %4d  overridden %4d  empty %3d "
            "(covered %3d)  fuzzy %3d (covered %3d)" % (
                module, stats['entries'], stats['overridden'],
                stats['empty'], stats['empty_covered'], stats['fuzzy'],
                stats['fuzzy_covered']))
        report.extend(lines)

    print("Override file: %s (%d entries)" % (args.override, len(overrides)))
    print("\n".join(report))
    print("%-18s entries %4d  overridden %4d  empty %3d (covered %3d)  "
        "fuzzy %3d (covered %3d)" % ('TOTAL', total['entries'],
            total['overridden'], total['empty'], total['empty_covered'],
            total['fuzzy'], total['fuzzy_covered']))
    unchecked = {k[0] for k in overrides} - checked_modules
    for module in sorted(unchecked):
        errors.append("overrides for %s were not checked" % module)
    for warning in warnings:
        print("WARNING:", warning)
    for error in errors:
        print("ERROR:", error)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
