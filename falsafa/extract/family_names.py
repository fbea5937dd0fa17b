"""A woman's family names: "Miss X" as the eldest daughter, "Mrs X" after a wedding.

Usage::

    from falsafa.extract.family_names import merge_family_names
    clusters = merge_family_names(layout.text, clusters)   # after merge_appositions

Clustering by names keeps "Miss X" apart when several women of the book
bear the surname X, and cannot link "Mrs X" to a woman whose maiden name is
another. Two conventions of English novels link them, and each merge here
asks the text for evidence first:

* "Miss X" alone is the eldest unmarried daughter of the family X; her
  younger sisters are "Miss Given" ("Miss Rosa"). Of the women named
  "Given X", a woman named in one sentence with "Miss X" twice is someone
  else ("Anna ... and Miss X"), and a woman called "Miss Given" as often as by her
  full name is a younger sister. One woman left is Miss X; of several, the
  one in whose paragraphs "Miss X" is read three times as often as in any
  other's, and at least three times.
* "Mrs X" who first appears after a woman and "Mr X" were named in one
  sentence about a wedding ("marry", "husband", "engaged") is that woman by
  her married name, when she was called "Miss" before "Mrs X" appears and
  hardly ever after, is still named three times after it, and is not named
  twice in one sentence with "Mrs X", and no other woman fits. A woman
  known only as "Mrs Y" (a widow) or "Miss Y" may be the bride too, when
  that name stops as a maiden "Miss" would.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from falsafa.extract.name_merges import merge_cluster
from falsafa.extract.name_runs import NameRun, is_first_name
from falsafa.extract.names import NameCluster, a_younger_sister

__all__ = ["merge_eldest_daughters", "merge_family_names", "merge_married_names", "two_people"]

# "Mr." and "Mrs." end with a full stop that ends no sentence.
_TITLE_STOP = re.compile(r"\b(?:Mrs?|Ms|Dr|St|Messrs|Mme|Mlle)\.")
_SENTENCE_END = re.compile(r"[.!?;]")
_QUOTE_MARK = re.compile('["\u201c\u201d]')
_WEDDING = re.compile(
    r"\b(?:marr(?:y|ies|ied|ying|iage)|wedd(?:ed|ing)|husband|bride(?:groom)?|engaged|engagement)\b",
    re.IGNORECASE,
)
_DOMINANT = 3  # "Miss X" read this many times as often in one woman's paragraphs
_MISS_BEFORE = 3  # "Miss" forms before "Mrs X" appears, to know she was unmarried
_MISS_STOPPED = 5  # after it, at most a fifth as many
_STILL_NAMED = 3  # her mentions after "Mrs X" appears: the book goes on with her


def merge_family_names(text: str, clusters: list[NameCluster]) -> list[NameCluster]:
    """Both passes, eldest daughters first (a "Miss X" found to be the woman
    "Given X" is then known by her maiden name when "Mrs Y" is weighed);
    returns the clusters that are left, in their order."""
    merge_eldest_daughters(text, clusters)
    merge_married_names(text, clusters)
    return [c for c in clusters if c.runs]


def merge_eldest_daughters(text: str, clusters: list[NameCluster]) -> None:
    """Fold each "Miss X" cluster into the daughter of the family it names."""
    for m in clusters:
        surname = _only_surname(m, "miss")
        if surname is None:
            continue
        women = [
            w
            for w in clusters
            if w is not m
            and w.runs
            and _given_named(w)
            and surname in w.lasts
            and not w.group
            and w.gender != "male"
            and w.tclass in ("", "miss")
            and not a_younger_sister(w, Counter(r.form for r in w.runs))
            and not two_people(text, m.runs, w.runs)
        ]
        pick = women[0] if len(women) == 1 else _most_beside(m, women)
        if pick is not None:
            merge_cluster(pick, m)


def merge_married_names(text: str, clusters: list[NameCluster]) -> None:
    """Fold each "Mrs X" cluster into the woman who married "Mr X" before it."""
    for m in clusters:
        surname = _only_surname(m, "mrs")
        if surname is None or len(m.runs) < _STILL_NAMED:
            # A "Mrs X" said once or twice gives too little to weigh.
            continue
        men = [h for h in clusters if h.runs and surname in h.lasts and h.gender == "male"]
        if not men:
            continue
        brides = [
            w for w in clusters if w is not m and _a_bride(w, surname) and _married(text, w, m, men)
        ]
        if len(brides) == 1:
            merge_cluster(brides[0], m)


def _a_bride(w: NameCluster, surname: str) -> bool:
    """A woman who is not yet an X: named by a given name and not "Mrs",
    or known only by a title and her surname, a widow's "Mrs Y" or a "Miss
    Y" whose given name the book never uses."""
    if surname in w.lasts or w.group or w.gender != "female":
        return False
    if _known_by_surname(w):
        return len(w.runs) >= 2
    return _given_named(w) and w.tclass in ("", "miss")


def _known_by_surname(w: NameCluster) -> bool:
    """Is she only ever "Mrs Y" or "Miss Y"?"""
    return w.tclass in ("mrs", "miss") and _only_surname(w, w.tclass) is not None


def _married(text: str, w: NameCluster, m: NameCluster, men: list[NameCluster]) -> bool:
    """Did ``w`` marry one of ``men`` before "Mrs X" (``m``) appears, and go
    on as her? A bride known by her given name is still named by it; one
    known only as "Mrs Y" or "Miss Y" is simply no longer called that."""
    first = m.runs[0].start
    still_named = sum(1 for r in w.runs if r.start > first)
    return (
        (_known_by_surname(w) or still_named >= _STILL_NAMED)
        and _old_title_stopped(w, first)
        and _wedding_before(text, w, men, first)
        and not two_people(text, m.runs, w.runs)
    )


def _only_surname(c: NameCluster, tclass: str) -> str | None:
    """The X of a cluster known only as "Miss X" (or "Mrs X")."""
    if not c.runs or c.firsts or c.group or c.tclass != tclass or len(c.lasts) != 1:
        return None
    return next(iter(c.lasts))


def _given_named(w: NameCluster) -> bool:
    """A woman the book names by a given name, twice or more ("the Misses
    Hale" once is no woman called Misses)."""
    return len(w.runs) >= 2 and any(is_first_name(f) for f in w.firsts)


def _old_title_stopped(w: NameCluster, first: int) -> bool:
    """Was she "Miss" (a widow: "Mrs Y") before ``first`` (three times or
    more) and hardly after?

    A married woman is no longer "Miss": the title stops at her wedding,
    while a woman who merely spoke of marrying Mr X keeps it.
    """
    old = "mrs" if w.tclass == "mrs" else "miss"
    titled = [r.start for r in w.runs if r.form[0].startswith(old)]
    before = sum(1 for s in titled if s < first)
    return before >= _MISS_BEFORE and (len(titled) - before) * _MISS_STOPPED <= before


def _most_beside(m: NameCluster, women: list[NameCluster]) -> NameCluster | None:
    """The woman in whose paragraphs "Miss X" is read far most often, if any."""
    if not women:
        return None
    counts = []
    for w in women:
        paras = {r.para for r in w.runs}
        counts.append(sum(1 for r in m.runs if r.para in paras))
    ranked = sorted(range(len(women)), key=lambda i: -counts[i])
    best, second = counts[ranked[0]], counts[ranked[1]]
    if best >= _DOMINANT and best >= _DOMINANT * second:
        return women[ranked[0]]
    return None


def _sentence_pairs(text: str, a: Iterable[NameRun], b: Iterable[NameRun]) -> Iterable[int]:
    """The start of each sentence naming one run of ``a`` and one of ``b``."""
    by_para: dict[int, list[NameRun]] = {}
    for r in b:
        by_para.setdefault(r.para, []).append(r)
    for r in a:
        for t in by_para.get(r.para, ()):
            x, y = (r, t) if r.start < t.start else (t, r)
            between = _TITLE_STOP.sub("", text[x.end : y.start])
            if not _SENTENCE_END.search(between) and not _QUOTE_MARK.search(between):
                yield _sentence_start(text, x.start)


def two_people(text: str, a: Iterable[NameRun], b: Iterable[NameRun]) -> bool:
    """Are two clusters named in one sentence twice or more, so two people?

    Once is not enough: a novelist varies a woman's names within a sentence
    ("Anna had hardly time to answer ... calling on Miss X"). A name
    said to someone in a quote and the frame naming her ("'..., Anna,'
    said she to Miss X") is one person, so a quotation mark between the
    names makes no pair.
    """
    return sum(1 for _ in _sentence_pairs(text, a, b)) >= 2


def _sentence_start(text: str, at: int) -> int:
    head = _TITLE_STOP.sub(_blank, text[max(0, at - 1000) : at])
    ends = [e.end() for e in _SENTENCE_END.finditer(head)]
    return at - len(head) + (ends[-1] if ends else 0)


def _wedding_before(text: str, w: NameCluster, men: list[NameCluster], first: int) -> bool:
    """Were she and "Mr X" named in one sentence about a wedding before ``first``?"""
    for start in _sentence_pairs(text, w.runs, [r for h in men for r in h.runs]):
        if start >= first:
            continue
        end = _SENTENCE_END.search(_TITLE_STOP.sub(_blank, text[start : start + 1000]))
        if _WEDDING.search(text[start : start + (end.end() if end else 1000)]):
            return True
    return False


def _blank(t: re.Match[str]) -> str:
    return "x" * len(t.group())
