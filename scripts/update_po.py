#!/usr/bin/env python3
"""Regenerate addons/<module>/locale/<lang>.po from the module's sources.

Usage:
    .venv/bin/python scripts/update_po.py [--check] [--lang zh_CN] MODULE...

For the given modules it

1. creates a scratch SQLite database in a temporary directory and activates
   the modules (with their dependencies) with ``trytond-admin -l <lang>``,
   which also loads the current locale files;
2. in-process, does what ``trytond-admin --export-translations`` does, without
   writing into the module: the "Set Translations" wizard (view and report
   strings), "Clean Translations", "Synchronize Translations" for the language
   (one <lang> record for every source string of the default language), then
   ``ir.translation.translation_export(lang, module)`` to get the po file of
   all the module's entries;
3. merges it with the existing po file with polib: msgstr values are kept by
   (msgctxt, msgid), entries whose source is gone are dropped, no ``fuzzy``
   flag is written (a translation whose English source changed is not kept:
   its entry is untranslated again);
4. writes the file sorted as Tryton does and prints the counts.

With --check the po file is not written; the script exits with status 1 when
any entry is untranslated (or would be after regeneration).

locale/override/ files are loaded as Tryton does but never written.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / '.venv' / 'bin' / 'python'
DB_NAME = 'update_po'

try:
    import polib  # noqa: F401
    import trytond  # noqa: F401
except ImportError:
    # Run with the project's virtualenv when started with another python
    if VENV_PYTHON.exists() and Path(sys.executable) != VENV_PYTHON:
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])
    raise


def trytond_admin():
    for candidate in [
            Path(sys.executable).parent / 'trytond-admin',
            ROOT / '.venv' / 'bin' / 'trytond-admin']:
        if candidate.exists():
            return str(candidate)
    return 'trytond-admin'


def run_admin(conf, args, env, check=True):
    cmd = [trytond_admin(), '-c', str(conf), '-d', DB_NAME, *args]
    result = subprocess.run(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    if result.returncode and check:
        sys.stderr.write(result.stdout)
        sys.exit('%s failed with status %s' % (
                ' '.join(cmd), result.returncode))
    return result


def create_database(tmpdir, modules, lang):
    tmpdir = Path(tmpdir)
    (tmpdir / f'{DB_NAME}.sqlite').touch()
    conf = tmpdir / 'trytond.conf'
    conf.write_text(
        '[database]\n'
        f'uri = sqlite://\n'
        f'path = {tmpdir}\n'
        'language = en\n')
    passfile = tmpdir / 'password'
    passfile.write_text('admin\n')
    env = dict(os.environ, TRYTONPASSFILE=str(passfile))
    env.pop('TRYTOND_CONFIG', None)
    env.pop('TRYTOND_DATABASE_URI', None)
    env.pop('TRYTOND_DATABASE__URI', None)
    env.pop('TRYTOND_DATABASE__PATH', None)
    # Load the language already when ir and res are installed: the
    # locale/override files may override their translations, which must
    # exist when the modules are activated below.
    run_admin(conf, ['--all', '--email', 'x@y.z', '-l', lang], env)
    result = run_admin(conf, [
            '-u', *modules, '--activate-dependencies', '-l', lang], env,
        check=False)
    if result.returncode:
        # Loading the locale files failed (e.g. a locale/override entry for a
        # module that is not activated). The merge takes the translations
        # from the po file itself, so activate without loading them.
        lines = result.stdout.strip().splitlines()
        sys.stderr.write(
            'WARNING: activating with -l %s failed, the locale files of the '
            'modules (or of their dependencies) do not load:\n    %s\n'
            'Retrying without -l: the po file is still merged from its '
            'current content.\n' % (lang, '\n    '.join(lines[-3:])))
        run_admin(conf, ['-u', *modules, '--activate-dependencies'], env)
    return conf


def export_translations(conf, modules, lang):
    "Return {module: po file content (str) or None} as Tryton exports it"
    from trytond import config
    config.update_etc(str(conf))

    from trytond.pool import Pool
    from trytond.transaction import Transaction

    pool = Pool(DB_NAME)
    pool.init()
    exports = {}
    with Transaction().start(DB_NAME, 0) as transaction:
        Lang = pool.get('ir.lang')
        Translation = pool.get('ir.translation')
        TranslationSet = pool.get('ir.translation.set', type='wizard')
        TranslationClean = pool.get('ir.translation.clean', type='wizard')
        TranslationUpdate = pool.get('ir.translation.update', type='wizard')

        session_id, _, _ = TranslationSet.create()
        TranslationSet.execute(session_id, {}, 'set_')
        TranslationSet.delete(session_id)

        session_id, _, _ = TranslationClean.create()
        TranslationClean.execute(session_id, {}, 'clean')
        TranslationClean.delete(session_id)

        language, = Lang.search([('code', '=', lang)])
        if not language.translatable:
            language.translatable = True
            language.save()
        session_id, _, _ = TranslationUpdate.create()
        TranslationUpdate.execute(session_id, {
                'start': {'language': language.id},
                }, 'update')
        TranslationUpdate.delete(session_id)

        for module in modules:
            content = Translation.translation_export(lang, module)
            exports[module] = (
                content.decode('utf-8') if content is not None else None)
        transaction.rollback()
    return exports


def key(entry):
    return (entry.msgctxt or '', entry.msgid)


def translated(entry):
    if entry.msgid_plural:
        return any(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def merge(template, po_path):
    "Return (pofile, total, missing, dropped)"
    import polib
    from trytond.ir.translation import TrytonPOFile

    existing = {}
    if po_path.exists():
        for entry in polib.pofile(str(po_path)):
            if entry.obsolete or not translated(entry):
                continue
            existing[key(entry)] = entry

    pofile = TrytonPOFile(wrapwidth=78)
    pofile.metadata = {'Content-Type': 'text/plain; charset=utf-8'}
    used = set()
    if template:
        for entry in polib.pofile(template):
            if entry.obsolete or not (entry.msgid or entry.msgid_plural):
                continue
            new = polib.POEntry(
                msgctxt=entry.msgctxt,
                msgid=entry.msgid,
                flags=[f for f in entry.flags if f != 'fuzzy'])
            old = existing.get(key(entry))
            if old is not None:
                used.add(key(entry))
            if entry.msgid_plural:
                new.msgid_plural = entry.msgid_plural
                new.msgstr_plural = dict(
                    old.msgstr_plural if old is not None
                    else {0: ''})
            else:
                if old is not None:
                    new.msgstr = old.msgstr
                elif entry.msgstr and 'fuzzy' not in entry.flags:
                    # a translation loaded from elsewhere (parent language)
                    new.msgstr = entry.msgstr
                else:
                    new.msgstr = ''
            pofile.append(new)
    pofile.sort()
    total = len(pofile)
    missing = sum(1 for e in pofile if not translated(e))
    dropped = len(set(existing) - used)
    return pofile, total, missing, dropped


def main():
    parser = argparse.ArgumentParser(
        description="Regenerate addons/<module>/locale/<lang>.po")
    parser.add_argument('modules', nargs='+', metavar='MODULE')
    parser.add_argument('--lang', default='zh_CN')
    parser.add_argument('--check', action='store_true',
        help="do not write; exit 1 when an entry is untranslated")
    parser.add_argument('--list-missing', action='store_true',
        help="print the msgctxt of the untranslated entries")
    options = parser.parse_args()

    po_paths = {}
    for module in options.modules:
        module_dir = ROOT / 'addons' / module
        if not (module_dir / 'tryton.cfg').exists():
            parser.error('%s is not a module in %s' % (
                    module, ROOT / 'addons'))
        po_paths[module] = module_dir / 'locale' / f'{options.lang}.po'

    with tempfile.TemporaryDirectory(prefix='update_po-') as tmpdir:
        conf = create_database(tmpdir, options.modules, options.lang)
        exports = export_translations(conf, options.modules, options.lang)

    status = 0
    for module in options.modules:
        po_path = po_paths[module]
        pofile, total, missing, dropped = merge(exports[module], po_path)
        content = str(pofile).rstrip('\n') + '\n' if total else ''
        current = po_path.read_text('utf-8') if po_path.exists() else None
        changed = content != (current or '')
        if options.check:
            state = 'out of date' if changed else 'up to date'
        elif not changed:
            state = 'unchanged'
        elif total:
            po_path.parent.mkdir(parents=True, exist_ok=True)
            po_path.write_text(content, 'utf-8')
            state = 'written'
        else:
            po_path.unlink(missing_ok=True)
            state = 'removed (no entry)'
        print('%s: %s: total %d, translated %d, missing %d, obsolete '
            'dropped %d (%s)' % (
                module, po_path.relative_to(ROOT), total, total - missing,
                missing, dropped, state))
        if options.list_missing:
            for entry in pofile:
                if not translated(entry):
                    print('    missing: %s %r' % (entry.msgctxt, entry.msgid))
        if options.check and missing:
            status = 1
    return status


if __name__ == '__main__':
    sys.exit(main())
