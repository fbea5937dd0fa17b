"""Name mentions: every run of capitalised words that names a person.

Usage::

    from falsafa.extract.name_runs import find_names
    runs = find_names(Layout.of(text))        # NameRun per mention, in text order
    runs[0].title, runs[0].parts, runs[0].surface

A name is a run of capitalised words, optionally after a title. Whether a
capitalised word is a name is decided from the whole book: words that also
occur in lower case, or only ever open sentences, are ordinary words; words
that follow "in"/"at" and never act like a person are places. Grouping the
runs into people is ``names.cluster_names``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from falsafa.extract.lexicon import (
    COMMON_CAPITALISED,
    FEASTS,
    FEMALE_NAMES,
    GAZETTEER,
    HONORIFICS,
    INSTITUTION_HEADS,
    MALE_NAMES,
    NATIONALITIES,
    NICKNAMES,
    NOT_PERSON,
    PLACE_OF_NOUNS,
    PLACE_PREFIXES,
    PLACE_PREPOSITIONS,
    PLACE_WORDS,
    SPEECH_VERBS,
    title_class,
)
from falsafa.extract.text import Layout, Word

__all__ = ["NameRun", "find_names", "is_first_name", "strip_possessive"]

_PARTICLES = frozenset(
    [
        "de",
        "du",
        "da",
        "di",
        "van",
        "von",
        "der",
        "den",
        "le",
        "la",
        "del",
        "della",
        "des",
        "ten",
        "ter",
        "af",
    ]
)
_SAINT_WORDS = frozenset(["St", "ST", "Saint", "SAINT"])
_INITIAL_BEFORE = set(".!?:;—–-“\"‘'([_")
_POSSESSIVE = re.compile(r"['’]s?$")


@dataclass(frozen=True, slots=True)
class NameRun:
    """One mention of a personal name: ``title`` is e.g. "Mrs", ``parts`` the name words.

    ``article`` marks a description read after "the" ("the Time Traveller",
    "the Doctor"): the word before ``word_index`` belongs to the mention.
    """

    start: int
    end: int
    title: str | None
    parts: tuple[str, ...]
    para: int
    word_index: int
    article: bool = False

    @property
    def form(self) -> tuple[str, tuple[str, ...]]:
        """``(title class, parts)``; a title before a lone given name keeps its
        own word ("mr:prince"), since "Prince Nicholas", "Count Nicholas" and
        "St. Nicholas" are as often three people as one. "St." before a word
        that is no given name makes one surname ("St. Aubert")."""
        title, parts = self.title, self.parts
        if title and title.lower() in {"st", "saint"} and not is_first_name(parts[0]):
            title, parts = None, ("St", *parts)
        if parts[0] in _SAINT_WORDS and len(parts) >= 2 and not is_first_name(parts[1]):
            # "Madame St. Aubert" and plain "St. Aubert" share the one-word
            # surname "St. Aubert"; it is no given name "St" with a surname.
            parts = (f"St. {parts[1]}", *parts[2:])
        if not title:
            return ("", parts)
        cls = title_class(title)
        if len(parts) == 1 and is_first_name(parts[0]):
            return (f"{cls}:{title.lower().rstrip('.')}", parts)
        return (cls, parts)

    @property
    def surface(self) -> str:
        name = " ".join(p + "." if p in {"St", "ST"} else p for p in self.parts)
        return f"{_title_display(self.title)} {name}" if self.title else name


def _title_display(title: str) -> str:
    t = title.rstrip(".")
    return (
        t + "."
        if t.lower()
        in {"mr", "mrs", "dr", "st", "ms", "capt", "col", "gen", "lieut", "rev", "prof"}
        else t
    )


def _is_initial(text: str, word: Word, prev: Word | None, para_start: int) -> bool:
    """Does ``word`` open a sentence (so its capital letter proves nothing)?"""
    i = word.start - 1
    while i >= para_start and (text[i].isspace() or text[i] in "”’\"'_*"):
        if text[i] in "”’\"'" and i + 1 < len(text) and not text[i + 1].isspace():
            break
        i -= 1
    if i < para_start:
        return True
    # An indented line opens a verse line or a list item: its capital proves nothing.
    gap = text[i + 1 : word.start]
    if "\n" in gap and len(gap.rsplit("\n", 1)[1]) >= 2:
        return True
    ch = text[i]
    if ch == "." and prev is not None and prev.end == i and _is_abbrev(prev.text):
        return False
    return ch in _INITIAL_BEFORE or ch in "“‘"


def _is_abbrev(w: str) -> bool:
    return w.lower() in HONORIFICS or (len(w) == 1 and w.isupper() and w != "I")


def strip_possessive(w: str) -> str:
    return _POSSESSIVE.sub("", w) if len(w) > 2 else w


@dataclass(slots=True)
class _Stats:
    lower: Counter[str] = field(default_factory=Counter)
    cap_mid: Counter[str] = field(default_factory=Counter)
    cap_any: Counter[str] = field(default_factory=Counter)
    case: dict[str, str] = field(default_factory=dict)
    speaks: Counter[str] = field(default_factory=Counter)
    after_prep: Counter[str] = field(default_factory=Counter)
    after_a: Counter[str] = field(default_factory=Counter)
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Capitalised words read side by side: "Selby Royal" is one place's name."""


def _stats(layout: Layout, initial: list[bool]) -> _Stats:
    st = _Stats()
    words = layout.words
    for k, (w, ini) in enumerate(zip(words, initial, strict=True)):
        base = strip_possessive(w.text)
        if base[:1].isupper():
            st.cap_any[base] += 1
            if not ini:
                st.cap_mid[base] += 1
            if _beside_speech_verb(layout, k):
                st.speaks[base] += 1
            if (
                k
                and words[k - 1].para == w.para
                and words[k - 1].text.lower() in PLACE_PREPOSITIONS
            ):
                st.after_prep[base] += 1
            if k and words[k - 1].para == w.para and words[k - 1].text.lower() in {"a", "an"}:
                st.after_a[base] += 1  # "a Cossack", "an Uhlan": a common noun
            if k and words[k - 1].para == w.para and words[k - 1].text[:1].isupper():
                st.pairs[words[k - 1].text, base] += 1
        elif base.islower():
            st.lower[base] += 1
    # Names printed in capitals ("SALLIE McBRIDE" in a letter head) take the
    # spelling the prose uses.
    for cap, _ in st.cap_any.most_common():
        if sum(ch.isupper() for ch in cap) < 3:
            st.case.setdefault(cap.lower(), cap)
    return st


def _beside_speech_verb(layout: Layout, k: int) -> bool:
    """ "said Turkey" / "Irish murmured": the word is the subject of a speech verb."""
    words = layout.words
    text = layout.text
    w = words[k]
    if k + 1 < len(words) and words[k + 1].para == w.para:
        nxt = words[k + 1]
        if nxt.text in SPEECH_VERBS and text[w.end : nxt.start] == " ":
            return True
    if k > 0 and words[k - 1].para == w.para:
        prev = words[k - 1]
        if prev.text in SPEECH_VERBS and text[prev.end : w.start] == " ":
            after = text[w.end : w.end + 1]
            return after in {",", ".", ";", ":", ""} or after.isspace()
    return False


def _common(word: str, st: _Stats) -> bool:
    """An ordinary capitalised word, unless the book uses it as a nickname."""
    return word.lower() in COMMON_CAPITALISED and not (
        word.lower() in NATIONALITIES and _looks_like_name(word, st, False)
    )


_CONTRACTION = re.compile(r"['’](?:ll|m|ve|d|re|t|you|em|s)$", re.I)


def _looks_like_name(word: str, st: _Stats, titled: bool) -> bool:
    lw = word.lower()
    if _CONTRACTION.search(word):
        return False
    if lw in COMMON_CAPITALISED and not titled:
        # A nationality that keeps saying things is somebody's nickname; not
        # "French" in "said French Lewis" twice beside "the French coast",
        # "a French gentleman" and forty other adjectives.
        return (
            lw in NATIONALITIES
            and st.speaks[word] >= 2
            and st.lower[lw] == 0
            and st.speaks[word] * 4 >= st.cap_any[word]
        )
    if lw in NOT_PERSON or (len(word) < 2 and not titled):
        return False
    if word.isupper() and len(word) > 1 and not titled and st.cap_mid[word.capitalize()] == 0:
        return False  # shouted words and headings, unless the name also occurs normally
    low = st.lower[lw]
    mid = st.cap_mid[word] + st.cap_mid[word.capitalize()]
    if titled:
        return low <= 2 * mid + 1 or lw in MALE_NAMES or lw in FEMALE_NAMES
    if mid == 0:
        return (lw in MALE_NAMES or lw in FEMALE_NAMES) and low == 0
    return low * 3 <= mid


# Titles that open a new person's name even in the middle of a capitalised run.
_PERSON_TITLES = frozenset(
    "mr mrs miss ms dr sir lady lord madame madam monsieur mademoiselle prince princess "
    "count countess duke duchess baron baroness emperor empress king queen tsar".split()
)


def _place_word(word: str, st: _Stats) -> bool:
    """A word the book uses as a place: a known country or city, or mostly read after "in"/"at"."""
    lw = word.lower()
    if lw in MALE_NAMES or lw in FEMALE_NAMES or lw in NICKNAMES:
        return False
    if lw in GAZETTEER:
        return True
    n = st.after_prep[word]
    return n >= 3 and n * 2 >= st.cap_any[word] and st.speaks[word] == 0


def find_names(layout: Layout) -> list[NameRun]:
    """Every mention of a personal name in the book's body paragraphs."""
    text = layout.text
    words = layout.words
    paras = layout.paragraphs
    initial = [
        _is_initial(
            text,
            w,
            words[k - 1] if k and words[k - 1].para == w.para else None,
            paras[w.para].start,
        )
        for k, w in enumerate(words)
    ]
    st = _stats(layout, initial)
    runs: list[NameRun] = []
    k = 0
    n = len(words)
    while k < n:
        w = words[k]
        if not w.text[:1].isupper():
            k += 1
            continue
        # Gather a run of capitalised words joined only by spaces, titles'
        # full stops, initials' full stops and name particles ("van", "de").
        j = k
        while j + 1 < n and words[j + 1].para == w.para:
            gap = text[words[j].end : words[j + 1].start]
            nxt = words[j + 1].text
            joinable = gap in (" ", "\n", "\r\n") or (
                gap.rstrip() == "." and gap.strip() == "." and _is_abbrev(words[j].text)
            )
            if not joinable or "'" in words[j].text[-2:] or "’" in words[j].text[-2:]:
                break
            if nxt[:1].isupper():
                if strip_possessive(nxt) == strip_possessive(words[j].text):
                    break  # "Scrooge Scrooge": two mentions, not one name
                if (
                    nxt.lower().rstrip(".") in _PERSON_TITLES
                    and words[j].text.lower().rstrip(".") not in HONORIFICS
                ):
                    break  # "in the reigns of Paul and Alexander Prince Vasíli": a new name
                if nxt.isupper() and len(nxt) > 1 and not words[j].text.isupper():
                    break  # "Miss Watkin WILL": a shouted word after a name
                j += 1
            elif nxt in _PARTICLES and j + 2 < n and words[j + 2].text[:1].isupper():
                j += 2
            else:
                break
        run = _name_from_run(words, k, j, initial, st)
        if run is not None:
            runs.append(run)
        k = j + 1
    return _drop_places(runs, words, st, layout.text)


def _name_from_run(
    words: tuple[Word, ...], k: int, j: int, initial: list[bool], st: _Stats
) -> NameRun | None:
    """The name in the capitalised words ``k..j``, or None when they name no
    person: leading ordinary words and a glued place are dropped, a title
    is taken off, then the words themselves are judged."""
    idx = _strip_leading(words, list(range(k, j + 1)), initial, st)
    if not idx:
        return None
    if idx[0] > k and k > 0 and words[k - 1].text.lower() == "the":
        return None  # "the Trois Couronnes", "the Golden Hind": a thing's name
    title, idx = _take_title(words, idx)
    parts = _name_parts([strip_possessive(words[i].text) for i in idx], title, st)
    if parts is None:
        return None
    norm = tuple(
        st.case.get(p.lower(), p) if sum(ch.isupper() for ch in p) >= 3 else p for p in parts
    )
    start = words[idx[0]].start if title is None else words[idx[0] - 1].start
    first_word = idx[0] - (1 if title else 0)
    # Words may be dropped anywhere ("Oliver I was": the pronoun), so the
    # name ends at the last word kept, not at the run's last word.
    last = next((i for i in reversed(idx) if strip_possessive(words[i].text) == parts[-1]), idx[-1])
    end = words[last].start + len(parts[-1])
    return NameRun(
        start, end, title.rstrip(".") if title else None, norm, words[idx[0]].para, first_word
    )


def _strip_leading(
    words: tuple[Word, ...], idx: list[int], initial: list[bool], st: _Stats
) -> list[int] | None:
    """Drop leading ordinary words ("Poor Miss Taylor", "Stately Buck
    Mulligan") and a place glued to the name after it; None for a fixed
    phrase ("Christmas Eve") or a place's two-word name."""
    if len(idx) >= 2 and words[idx[0]].text.lower() in PLACE_PREFIXES:
        return None  # "New York", "Port Said": without its first word a place reads as a name
    while idx:
        t = strip_possessive(words[idx[0]].text)
        lt = t.lower().rstrip(".")
        if lt in HONORIFICS and len(idx) > 1:
            break
        if _looks_like_name(t, st, titled=False) and not (
            initial[idx[0]] and st.lower[t.lower()] > 0
        ):
            break
        if lt in FEASTS and len(idx) > 1:
            return None  # "Christmas Eve", "Ghost of Christmas Present": a fixed phrase
        if lt in COMMON_CAPITALISED or initial[idx[0]] or not _looks_like_name(t, st, False):
            idx.pop(0)
            continue
        break
    if len(idx) >= 2 and _place_word(strip_possessive(words[idx[0]].text), st):
        if st.pairs[words[idx[0]].text, strip_possessive(words[idx[1]].text)] >= 2:
            return None  # "at Selby Royal" again and again: one place's name
        idx.pop(0)  # "in Moscow Pierre had been": a place glued to the name after it
    return idx


def _take_title(words: tuple[Word, ...], idx: list[int]) -> tuple[str | None, list[int]]:
    """The title before the name, if any, and the name's words after it."""
    title: str | None = None
    if words[idx[0]].text.lower().rstrip(".") in HONORIFICS and len(idx) > 1:
        title = words[idx[0]].text
        idx = idx[1:]
        # "Lord High Admiral" style stacks: keep the last title only.
        while len(idx) > 1 and words[idx[0]].text.lower() in HONORIFICS:
            if words[idx[0]].text.lower() in {"st", "saint"}:
                break  # "Madame St. Aubert": the saint is part of the surname
            title = words[idx[0]].text
            idx = idx[1:]
    return title, idx


def _name_parts(parts: list[str], title: str | None, st: _Stats) -> list[str] | None:
    """The words of a person's name among ``parts``, or None for a place,
    an institution, a common phrase or words no name is made of."""
    # A possessive ends the name: "Mr. Bennet's daughters".
    if any(p.lower() in PLACE_WORDS for p in parts[1:]) or (
        title is None and parts[-1].lower() in PLACE_WORDS
    ):
        return None
    if len(parts) >= 2 and parts[-1].lower() in INSTITUTION_HEADS:
        return None  # "Periodical Review", "Light Infantry", "Michaelmas Term": no person
    if title is not None:
        return parts if len(parts) <= 4 and _looks_like_name(parts[-1], st, titled=True) else None
    parts = [p for p in parts if not _common(p, st)]
    if not parts or len(parts) > 4 or any(p.lower() in NOT_PERSON for p in parts):
        return None
    keep = [p for p in parts if _looks_like_name(p, st, False) or p.lower() in _PARTICLES]
    if len(keep) == len(parts):
        return parts
    if len(parts) == 1 or not keep:
        return None
    return parts if all(p[:1].isupper() for p in parts) else keep


_QUOTE_MARK = re.compile('["\u201c\u201d\u2018\u2019]')
_MOTION = frozenset(
    "go goes went gone going come comes came coming return returns returned returning "
    "travel travelled traveled removed journey way back down up off".split()
)
_LEAVE = frozenset("leave leaves left leaving quit quitted quitting".split())


def _drop_places(
    runs: list[NameRun], words: tuple[Word, ...], st: _Stats, text: str
) -> list[NameRun]:
    """Remove names that behave like places: after "in"/"at", never like a person.

    "went to Norland" and "leave Norland" count as places too; a speech verb
    across a quote mark ('"... London," said Edward') is no sign of a person.
    """
    place: Counter[tuple[str, ...]] = Counter()
    person: Counter[tuple[str, ...]] = Counter()
    total: Counter[tuple[str, ...]] = Counter()
    name_ends = {r.word_index + len(r.parts) + (1 if r.title else 0) - 1 for r in runs}
    for r in runs:
        total[r.parts] += 1
        as_place, as_person = _place_or_person(r, words, text, name_ends)
        place[r.parts] += as_place
        person[r.parts] += as_person
    surnames = _surnames(runs)
    out = []
    for r in runs:
        key = r.parts
        if place[key] and place[key] * 2 >= total[key] - person[key] and person[key] < place[key]:
            continue
        if not r.title and _common_plural(key[-1], st, surnames):
            continue
        out.append(r)
    return out


def _place_or_person(
    r: NameRun, words: tuple[Word, ...], text: str, name_ends: set[int]
) -> tuple[int, int]:
    """How much one mention reads as a place, and how much as a person."""
    place = person = 0
    k = r.word_index
    prev = words[k - 1].text.lower() if k > 0 else ""
    prev2 = words[k - 2].text.lower() if k > 1 else ""
    last = k + len(r.parts) + (1 if r.title else 0)
    nxt = words[last].text.lower() if last < len(words) else ""
    if r.title:
        person += 2
    elif prev == "of":
        # "Jack Carter of Virginia"; "the battle of Borodinó", "the prison of La Force".
        place += 2 * _after_name_of(words, k, name_ends) + 2 * (prev2 in PLACE_OF_NOUNS)
    if not r.title and (
        prev in PLACE_PREPOSITIONS or prev in _LEAVE or (prev == "to" and prev2 in _MOTION)
    ):
        place += 1
    after = text[words[last - 1].end : words[last].start] if last < len(words) else ""
    before = text[words[k - 1].end : words[k].start] if k > 0 else ""
    if (nxt in SPEECH_VERBS and not _QUOTE_MARK.search(after)) or (
        prev in SPEECH_VERBS and not _QUOTE_MARK.search(before)
    ):
        person += 1
    if r.parts[0].lower() in MALE_NAMES or r.parts[0].lower() in FEMALE_NAMES:
        person += 1
    return place, person


def _surnames(runs: list[NameRun]) -> set[str]:
    """Words the book shows to be people's names: borne with a title ("Count
    Rostóv", "Miss Sparks") or after a given name ("Harry Sparks")."""
    out: set[str] = set()
    for r in runs:
        if r.title:
            out.update(r.parts)
        elif len(r.parts) >= 2 and is_first_name(r.parts[0]):
            out.update(r.parts[1:])
    return out


def _common_plural(word: str, st: _Stats, surnames: set[str]) -> bool:
    """Is ``word`` the plural of a common noun ("Cossacks", "Bankers",
    "Germans", "Unbelieving Philosophers")? Its singular is written in lower
    case, after "a"/"an", or is a nationality or a title. The plural of a
    surname ("the Rostóvs", "the Darlings") is a family and stays."""
    if len(word) < 4 or not word.endswith("s") or word.endswith("ss") or word in surnames:
        return False
    stems = {word[:-1]} | ({word[:-2]} if word.endswith("es") else set())
    if stems & surnames:
        return False
    return any(
        st.lower[stem.lower()] or st.after_a[stem] or stem.lower() in COMMON_CAPITALISED
        for stem in stems
    )


_REGNAL = re.compile(
    r"(?:First|Second|Third|Fourth|Fifth|Sixth|Seventh|Eighth|Ninth|Tenth|Eleventh|Twelfth"
    r"|Great|Elder|Younger|Good|Bold|[IVX]+)$"
)


def _after_name_of(words: tuple[Word, ...], k: int, name_ends: set[int]) -> bool:
    """Is word ``k`` the Y of "person of Y" ("Jack Carter of Virginia",
    "Rudolf the Third of Ruritania", "Joan of Arc")? Y is then where the
    person is from. A title before "of" ("the Duke of Wellington") names a
    person by the place, so that Y proves nothing."""
    if k < 2 or words[k - 2].para != words[k].para:
        return False
    before = strip_possessive(words[k - 2].text)
    if before.lower().rstrip(".") in HONORIFICS:
        return False
    return k - 2 in name_ends or bool(_REGNAL.match(before))


def is_first_name(w: str) -> bool:
    lw = w.lower()
    return lw in MALE_NAMES or lw in FEMALE_NAMES or lw in NICKNAMES
