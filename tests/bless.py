#!/usr/bin/env python3
"""Puts blessed golden outputs into the test sources.

Run the golden tests with STORAGE_LAB_BLESS=DIR, then `tests/bless.py DIR`:
each DIR/NAME.expected text is found as a string literal in tests/native/*.rs
(plain "..." with \\t, \\" and \\\\ escapes and real or escaped newlines,
or r#"..."#) and replaced by DIR/NAME.actual in the same style. Texts it
cannot find (split with `\\` line continuations) are listed, to edit by
hand. Review the diff afterwards.
"""
import glob, os, sys

def plain(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"').replace('\t', '\\t') + '"'

def oneline(s):
    return plain(s).replace('\n', '\\n')

def raw(s):
    return 'r#"' + s + '"#'

def main(d):
    sources = {p: open(p).read() for p in glob.glob('tests/native/*.rs')}
    missing = 0
    for e in sorted(glob.glob(os.path.join(d, '*.expected'))):
        old = open(e).read()
        new = open(e[:-len('.expected')] + '.actual').read()
        done = False
        for p, src in sources.items():
            for style in (plain, oneline, raw):
                lit = style(old)
                if src.count(lit) >= 1:
                    sources[p] = src.replace(lit, style(new))
                    done = True
                    break
            if done:
                break
        if not done:
            missing += 1
            print('not found:', e)
    for p, src in sources.items():
        open(p, 'w').write(src)
    sys.exit(1 if missing else 0)

main(sys.argv[1])
