#!/usr/bin/env python3
"""Merge driver for locale/*.po files: the union of both sides' entries.

Two branches that each add messages to a module conflict in its po file
although they never touch the same entry. Used as a git merge driver
(``.gitattributes``: ``*.po merge=po``; ``git config merge.po.driver
'.venv/bin/python scripts/merge_po.py %O %A %B'``), it keeps every entry of
both sides, takes a translation where only one side has one, and the other
side's where ours is empty. Then ``scripts/update_po.py`` drops what no
source uses any more.
"""
import sys

import polib


def key(entry):
    return (entry.msgctxt, entry.msgid)


def main(base, ours, theirs):
    base_po = polib.pofile(base)
    ours_po = polib.pofile(ours)
    theirs_po = polib.pofile(theirs)
    base_keys = {key(e): e.msgstr for e in base_po}
    ours_by = {key(e): e for e in ours_po}
    theirs_keys = {key(e) for e in theirs_po}
    for entry in theirs_po:
        mine = ours_by.get(key(entry))
        if mine is None:
            # removed on our side: keep it removed, unless they changed it
            if key(entry) in base_keys and base_keys[key(entry)] == entry.msgstr:
                continue
            ours_po.append(entry)
        elif entry.msgstr and (not mine.msgstr
                or mine.msgstr == base_keys.get(key(entry))):
            mine.msgstr = entry.msgstr
    # entries they removed and we did not change go too
    for entry in list(ours_po):
        k = key(entry)
        if (k in base_keys and k not in theirs_keys
                and entry.msgstr == base_keys[k]):
            ours_po.remove(entry)
    ours_po.sort(key=lambda e: (e.msgctxt or '', e.msgid))
    ours_po.save(ours)
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:4]))
