#!/usr/bin/env python3
"""Write falsafa/extract/data/adjectives.txt: the words that can be adjectives.

Usage::

    pip install -e '.[train]'                 # lemminflect and wordfreq, pinned
    python scripts/build_adjectives.py         # rewrite the file
    python scripts/build_adjectives.py --check # exit 1 if it would change

A word is listed when ``lemminflect`` (0.2.3, MIT; its lexicon is drawn from
the Specialist Lexicon and English corpora) gives it the word class ADJ and not
ADV (so "far", "enough", "alone" stay out), it is all letters in lower case, and ``wordfreq`` (3.1.1) gives it a
Zipf frequency of 2.0 or more (once in ten million words). Words that can
also be nouns or verbs are marked so ("afternoon", "daughter", "present":
no epithet before a name). The descriptor
rules (``falsafa/extract/facts.py``) read it to tell "lively" from
"sentiment" or "then"; no word is added or removed for any book's sake.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "falsafa" / "extract" / "data" / "adjectives.txt"
MIN_ZIPF = 2.0


def build() -> str:
    from lemminflect.core.Lemmatizer import Lemmatizer
    from wordfreq import zipf_frequency

    lemmas = Lemmatizer()._getLemmaDict()
    words = sorted(
        "\t".join([w, *(c for c in ("NOUN", "VERB") if c in classes)])
        for w, classes in lemmas.items()
        if "ADJ" in classes
        and "ADV" not in classes
        and w.isalpha()
        and w.islower()
        and zipf_frequency(w, "en") >= MIN_ZIPF
    )
    head = [
        "# Words that can be adjectives (and are no adverb), one a line, with",
        "# <TAB>NOUN and <TAB>VERB after those that can be nouns or verbs too.",
        f"# Source: lemminflect {importlib.metadata.version('lemminflect')} (MIT) word classes,",
        f"# wordfreq {importlib.metadata.version('wordfreq')} Zipf >= {MIN_ZIPF}; "
        "written by scripts/build_adjectives.py.",
    ]
    return "\n".join([*head, *words]) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    text = build()
    if args.check:
        same = OUT.is_file() and OUT.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{OUT} would change")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({text.count(chr(10)) - 3} words)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
