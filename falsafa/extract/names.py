"""Proper names of people, and which of them belong to one person.

Usage::

    from falsafa.extract.names import find_names, cluster_names
    layout = Layout.of(text)
    runs = find_names(layout)                 # every personal-name mention
    people = cluster_names(runs)              # one NameCluster per person
    people[0].display, people[0].aliases

A name is a run of capitalised words, optionally after a title. Whether a
capitalised word is a name is decided from the whole book: words that also
occur in lower case, or only ever open sentences, are ordinary words; words
that follow "in"/"at" and never act like a person are places.

Clustering follows how novels name people: a full name ("Elizabeth Bennet")
absorbs its parts and titled forms ("Miss Bennet", "Elizabeth", "Lizzy");
titles of different kinds on one surname stay apart ("Mr Bennet" and
"Mrs Bennet"); a bare surname shared by several clusters is attached to the
most frequent one but never published as an alias, since it names them all.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from falsafa.extract.lexicon import (
    CALENDAR,
    COMMON_CAPITALISED,
    FEMALE_NAMES,
    GAZETTEER,
    HONORIFICS,
    INSTITUTION_HEADS,
    MALE_NAMES,
    NATIONALITIES,
    NICKNAMES,
    NOT_PERSON,
    PLACE_OF_NOUNS,
    PLACE_PREPOSITIONS,
    PLACE_WORDS,
    SPEECH_VERBS,
    Gender,
    title_class,
    title_gender,
)
from falsafa.extract.text import Layout, Word

__all__ = [
    "NameCluster",
    "NameRun",
    "cluster_names",
    "find_names",
    "is_person",
    "merge_cluster",
    "settle_aliases",
]

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
_TIME_WORDS = frozenset(
    "christmas easter michaelmas whitsun whitsuntide midsummer lent candlemas yule "
    "hallowmas martinmas lammas shrove epiphany advent pentecost sabbath".split()
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
        if title and title.lower() in {"st", "saint"} and not _is_first_name(parts[0]):
            title, parts = None, ("St", *parts)
        if parts[0] in _SAINT_WORDS and len(parts) >= 2 and not _is_first_name(parts[1]):
            # "Madame St. Aubert" and plain "St. Aubert" share the one-word
            # surname "St. Aubert"; it is no given name "St" with a surname.
            parts = (f"St. {parts[1]}", *parts[2:])
        if not title:
            return ("", parts)
        cls = title_class(title)
        if len(parts) == 1 and _is_first_name(parts[0]):
            return (f"{cls}:{title.lower().rstrip('.')}", parts)
        return (cls, parts)

    @property
    def surface(self) -> str:
        name = " ".join(p + "." if p in {"St", "ST"} else p for p in self.parts)
        return f"{_title_display(self.title)} {name}" if self.title else name


@dataclass(slots=True)
class NameCluster:
    """The names of one person and where they occur."""

    firsts: set[str] = field(default_factory=set)
    lasts: set[str] = field(default_factory=set)
    middles: set[str] = field(default_factory=set)
    gender: Gender = "unknown"
    surfaces: Counter[str] = field(default_factory=Counter)
    hidden: set[str] = field(default_factory=set)
    runs: list[NameRun] = field(default_factory=list)
    tclass: str = ""
    group: bool = False
    described: bool = False

    @property
    def display(self) -> str:
        shown = [s for s, _ in self.surfaces.most_common() if s not in self.hidden]
        if not shown:
            return self.surfaces.most_common(1)[0][0]
        best = max(shown, key=lambda s: (self.surfaces[s] + 0.5 * (len(s.split()) - 1), len(s)))
        return best

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(s for s, _ in self.surfaces.most_common() if s not in self.hidden)


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


def _strip_possessive(w: str) -> str:
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


def _stats(layout: Layout, initial: list[bool]) -> _Stats:
    st = _Stats()
    words = layout.words
    for k, (w, ini) in enumerate(zip(words, initial, strict=True)):
        base = _strip_possessive(w.text)
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
        # A nationality that keeps saying things is somebody's nickname.
        return lw in NATIONALITIES and st.speaks[word] >= 2 and st.lower[lw] == 0
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
                if _strip_possessive(nxt) == _strip_possessive(words[j].text):
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
    idx = list(range(k, j + 1))
    # Drop leading ordinary words ("Poor Miss Taylor", "Stately Buck Mulligan").
    while idx:
        t = _strip_possessive(words[idx[0]].text)
        lt = t.lower().rstrip(".")
        if lt in HONORIFICS and len(idx) > 1:
            break
        if _looks_like_name(t, st, titled=False) and not (
            initial[idx[0]] and st.lower[t.lower()] > 0
        ):
            break
        if lt in _TIME_WORDS and len(idx) > 1:
            return None  # "Christmas Eve", "Ghost of Christmas Present": a fixed phrase
        if lt in COMMON_CAPITALISED or initial[idx[0]] or not _looks_like_name(t, st, False):
            idx.pop(0)
            continue
        break
    if len(idx) >= 2 and _place_word(_strip_possessive(words[idx[0]].text), st):
        idx.pop(0)  # "in Moscow Pierre had been": a place glued to the name after it
    if not idx:
        return None
    if idx[0] > k and k > 0 and words[k - 1].text.lower() == "the":
        return None  # "the Trois Couronnes", "the Golden Hind": a thing's name
    title: str | None = None
    if words[idx[0]].text.lower().rstrip(".") in HONORIFICS and len(idx) > 1:
        title = words[idx[0]].text
        idx.pop(0)
        # "Lord High Admiral" style stacks: keep the last title only.
        while len(idx) > 1 and words[idx[0]].text.lower() in HONORIFICS:
            if words[idx[0]].text.lower() in {"st", "saint"}:
                break  # "Madame St. Aubert": the saint is part of the surname
            title = words[idx[0]].text
            idx.pop(0)
    parts = [_strip_possessive(words[i].text) for i in idx]
    # A possessive ends the name: "Mr. Bennet's daughters".
    if any(p.lower() in PLACE_WORDS for p in parts[1:]) or (
        title is None and parts[-1].lower() in PLACE_WORDS
    ):
        return None
    if len(parts) >= 2 and parts[-1].lower() in INSTITUTION_HEADS:
        return None  # "Periodical Review", "Light Infantry", "Michaelmas Term": no person
    if title is None and any(_common(p, st) for p in parts):
        parts = [p for p in parts if not _common(p, st)]
        if not parts:
            return None
    if len(parts) > 4:
        return None
    if any(p.lower() in NOT_PERSON for p in parts) and title is None:
        return None
    if title is None and not all(
        _looks_like_name(p, st, False) or p.lower() in _PARTICLES for p in parts
    ):
        if len(parts) == 1:
            return None
        keep = [p for p in parts if _looks_like_name(p, st, False) or p.lower() in _PARTICLES]
        if not keep:
            return None
        if len(keep) < len(parts) and not (len(parts) >= 2 and all(p[:1].isupper() for p in parts)):
            parts = keep
    if title is not None and not _looks_like_name(parts[-1], st, titled=True):
        return None
    norm = tuple(
        st.case.get(p.lower(), p) if sum(ch.isupper() for ch in p) >= 3 else p for p in parts
    )
    start = words[idx[0]].start if title is None else words[idx[0] - 1].start
    first_word = idx[0] - (1 if title else 0)
    end = words[idx[-1]].start + len(parts[-1])
    return NameRun(
        start, end, title.rstrip(".") if title else None, norm, words[idx[0]].para, first_word
    )


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
        if r.title:
            person[r.parts] += 2
        k = r.word_index
        prev = words[k - 1].text.lower() if k > 0 else ""
        if prev == "of" and not r.title and _after_name_of(words, k, name_ends):
            place[r.parts] += 2
        prev2 = words[k - 2].text.lower() if k > 1 else ""
        if prev == "of" and not r.title and prev2 in PLACE_OF_NOUNS:
            place[r.parts] += 2  # "the battle of Borodinó", "the prison of La Force"
        last = k + len(r.parts) + (1 if r.title else 0)
        nxt = words[last].text.lower() if last < len(words) else ""
        if not r.title and (
            prev in PLACE_PREPOSITIONS or prev in _LEAVE or (prev == "to" and prev2 in _MOTION)
        ):
            place[r.parts] += 1
        after = text[words[last - 1].end : words[last].start] if last < len(words) else ""
        before = text[words[k - 1].end : words[k].start] if k > 0 else ""
        if (nxt in SPEECH_VERBS and not _QUOTE_MARK.search(after)) or (
            prev in SPEECH_VERBS and not _QUOTE_MARK.search(before)
        ):
            person[r.parts] += 1
        if r.parts[0].lower() in MALE_NAMES or r.parts[0].lower() in FEMALE_NAMES:
            person[r.parts] += 1
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


def _surnames(runs: list[NameRun]) -> set[str]:
    """Words the book shows to be people's names: borne with a title ("Count
    Rostóv", "Miss Sparks") or after a given name ("Harry Sparks")."""
    out: set[str] = set()
    for r in runs:
        if r.title:
            out.update(r.parts)
        elif len(r.parts) >= 2 and _is_first_name(r.parts[0]):
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
    before = _strip_possessive(words[k - 2].text)
    if before.lower().rstrip(".") in HONORIFICS:
        return False
    return k - 2 in name_ends or bool(_REGNAL.match(before))


def _gender_of_first(name: str) -> Gender:
    ln = name.lower()
    if ln in MALE_NAMES and ln not in FEMALE_NAMES:
        return "male"
    if ln in FEMALE_NAMES and ln not in MALE_NAMES:
        return "female"
    return "unknown"


def _compatible(a: Gender, b: Gender) -> bool:
    return a == "unknown" or b == "unknown" or a == b


def _is_first_name(w: str) -> bool:
    lw = w.lower()
    return lw in MALE_NAMES or lw in FEMALE_NAMES or lw in NICKNAMES


def _same_given(first: str, firsts: set[str]) -> bool:
    """Is ``first`` a diminutive of one of ``firsts``, or the other way round ("Jack"/"John")?"""
    lf = first.lower()
    for f in firsts:
        lo = f.lower()
        if lo in NICKNAMES.get(lf, frozenset()) or lf in NICKNAMES.get(lo, frozenset()):
            return True
    return False


def _title_fits(
    c: NameCluster,
    tcls: str,
    word: str,
    forms: Counter[tuple[str, tuple[str, ...]]],
    has_miss: bool,
) -> bool:
    """May "Mrs Todd" join the only full-name cluster "Almira Todd"?

    A woman's title joins a woman's name, a man's title a man's name. When
    the given name says nothing, only a surname borne by one title class in
    the whole book is safe ("Mr Verloc" must not join "Winnie Verloc" when
    there is a "Mrs Verloc").
    """
    if c.group:
        return False
    if tcls == "mrs":
        # "Mrs Verloc" is "Winnie Verloc" when she is the only woman of that
        # name and no "Miss Verloc" shows there are daughters.
        # A daughter is mostly called by her given name ("Mary", "Katharine"),
        # a wife by her full name ("Emma McChesney", "Hester Prynne").
        full = sum(1 for r in c.runs if len(r.parts) >= 2)
        given = sum(forms[("", (f,))] for f in c.firsts)
        return (
            c.gender == "female"
            and not has_miss
            and c.tclass in ("", "mrs")
            and full >= max(2, given)
        )
    want = "male" if tcls == "mr" else "female" if tcls in ("mrs", "miss") else "unknown"
    if c.gender != "unknown":
        if tcls == "mrs" and has_miss and c.tclass == "miss":
            return False
        return want in ("unknown", c.gender)
    others = {t.split(":")[0] for (t, parts) in forms if t and parts == (word,)} - {"", tcls}
    return tcls not in ("mrs",) and not has_miss and not others


def _plural_of(word: str, clusters: list[NameCluster]) -> bool:
    """Is ``word`` the plural of a surname we know ("Claytons", "Woodhouses")?"""
    if len(word) < 4 or not word.endswith("s") or word.endswith("ss"):
        return False
    stems = {word[:-1]} | ({word[:-2]} if word.endswith("es") else set())
    return any(stems & c.lasts for c in clusters if not c.group)


def cluster_names(runs: list[NameRun]) -> list[NameCluster]:
    """Group name mentions into people (see the module docstring)."""
    forms: Counter[tuple[str, tuple[str, ...]]] = Counter(r.form for r in runs)
    by_form: dict[tuple[str, tuple[str, ...]], list[NameRun]] = defaultdict(list)
    for r in runs:
        by_form[r.form].append(r)
    clusters: list[NameCluster] = []
    assign: dict[tuple[str, tuple[str, ...]], NameCluster] = {}

    def weight(c: NameCluster) -> int:
        return sum(c.surfaces.values())

    def add(c: NameCluster, form: tuple[str, tuple[str, ...]]) -> None:
        assign[form] = c
        for r in by_form[form]:
            c.surfaces[r.surface] += 1
            c.runs.append(r)

    def form_gender(form: tuple[str, tuple[str, ...]]) -> Gender:
        titles = {r.title for r in by_form[form] if r.title}
        for t in titles:
            g = title_gender(t)
            if g != "unknown":
                return g
        return _gender_of_first(form[1][0]) if len(form[1]) > 1 or not form[0] else "unknown"

    # Which surnames each title word is borne with: "Prince Bolkónski" and
    # "Count Rostóv" tell "Prince Nicholas" from "Count Nicholas".
    title_lasts: dict[str, Counter[str]] = defaultdict(Counter)
    for r in runs:
        if (
            r.title
            and (len(r.parts) >= 2 or not _is_first_name(r.parts[0]))
            and not _PATRONYMIC.search(r.parts[-1])
        ):
            title_lasts[r.title.lower().rstrip(".")][r.parts[-1]] += 1

    full_first: Counter[str] = Counter()
    full_last: Counter[str] = Counter()
    for (_, parts), n in forms.items():
        if len(parts) >= 2:
            full_first[parts[0]] += n
            full_last[parts[-1]] += n
    order = sorted(forms, key=lambda f: (-len(f[1]), f[0] == "", -forms[f]))
    for form in order:
        tkey, parts = form
        tcls = tkey.split(":")[0]
        g = form_gender(form)
        if len(parts) >= 2:
            first, last = parts[0], parts[-1]
            # "Nicholas Andréevich": a given name and a patronymic, no surname.
            patronymic = bool(_PATRONYMIC.search(last))
            cands = [
                c
                for c in clusters
                if (last in c.lasts or (patronymic and last in c.middles and first in c.firsts))
                and (first in c.firsts or not c.firsts or _same_given(first, c.firsts))
                and _compatible(c.gender, g)
                and (not c.tclass or not tcls or c.tclass == tcls or c.firsts)
            ]
            if cands:
                c = max(cands, key=weight)
            else:
                c = NameCluster(tclass=tcls)
                clusters.append(c)
            if tcls and not c.tclass:
                c.tclass = tcls
            c.firsts.add(first)
            c.middles.update(parts[1:-1])
            (c.middles if patronymic else c.lasts).add(last)
            if c.gender == "unknown":
                c.gender = g
            add(c, form)
            continue
        word = parts[0]
        titles = {r.title.lower().rstrip(".") for r in by_form[form] if r.title}
        if titles <= {"st", "saint"} and titles and _is_first_name(word):
            # "St. Andrew", "Saint Nicholas": a saint (or his day, church or
            # order), never an alias of a living Andrew or Nicholas.
            add(NameCluster(tclass=tcls), form)
            clusters.append(assign[form])
            continue
        if tcls:
            # "Miss Bennet", "Sir William": a surname or a given name with a title.
            by_last = [
                c
                for c in clusters
                if word in c.lasts
                and c.firsts
                and _compatible(c.gender, g)
                and (tcls != "miss" or c.tclass != "mrs")
            ]
            same_title = [
                c for c in clusters if word in c.lasts and c.tclass == tcls and not c.firsts
            ]
            by_first = [c for c in clusters if word in c.firsts and _compatible(c.gender, g)]
            titled_last = [c for c in by_last if c.tclass == tcls]
            # "Mrs Todd" is "Mrs Almira Todd", and "Mrs Pontellier" is "Edna
            # Pontellier" unless a "Miss Pontellier" shows there are daughters.
            has_miss = ("miss", (word,)) in forms
            pick: NameCluster | None = None
            if same_title:
                pick = same_title[0]
            elif len(titled_last) == 1:
                pick = titled_last[0]
            elif len(by_last) == 1 and _title_fits(by_last[0], tcls, word, forms, has_miss):
                pick = by_last[0]
            elif len(by_first) == 1 and (_is_first_name(word) or not by_last):
                pick = by_first[0]
            elif len(by_first) > 1:
                # "Prince Nicholas" is the Nicholas of the princely family.
                family: Counter[str] = Counter()
                for t in titles:
                    family.update(title_lasts.get(t, Counter()))
                kin = sorted(
                    (
                        (max((family[x] for x in c.lasts), default=0), i)
                        for i, c in enumerate(by_first)
                    ),
                    reverse=True,
                )
                if kin and kin[0][0] > 0 and (len(kin) == 1 or kin[1][0] * 3 < kin[0][0]):
                    pick = by_first[kin[0][1]]
            if pick is None:
                pick = NameCluster(tclass=tcls, gender=g)
                title_word = (by_form[form][0].title or "").lower().rstrip(".")
                if _is_first_name(word) and (
                    (tcls != "mrs" and title_gender(title_word) != "unknown")
                    or (title_word in _KIN_TITLES and word.lower() in FEMALE_NAMES)
                ):
                    pick.firsts.add(word)
                else:
                    pick.lasts.add(word)
                clusters.append(pick)
            add(pick, form)
            continue
        # A bare single word.
        firsts = [c for c in clusters if word in c.firsts]
        lasts = [c for c in clusters if word in c.lasts]
        if firsts and lasts and not _is_first_name(word) and full_last[word] > full_first[word]:
            # "Mrs Ashburnham Leonora" (a dash lost) made "Ashburnham" look
            # like a given name; full names mostly end with it ("Edward
            # Ashburnham"), so it is a surname.
            firsts = []
        if not firsts and _plural_of(word, clusters):
            # "the Claytons": the family as a group, never one of its members.
            c = NameCluster(group=True)
            c.lasts.add(word)
            clusters.append(c)
            add(c, form)
            continue
        if not firsts and lasts and all(c.tclass == "mrs" and not c.firsts for c in lasts):
            # "Fezziwig" beside "Mrs. Fezziwig" is her husband, not her.
            lasts = []
        nick = [
            c
            for c in clusters
            if any(f.lower() in NICKNAMES.get(word.lower(), frozenset()) for f in c.firsts)
        ]
        if len(firsts) == 1:
            add(firsts[0], form)
        elif firsts:
            _add_by_recency(firsts, by_form[form], assign, form)
        elif len(lasts) == 1:
            add(lasts[0], form)
        elif lasts:
            # A bare surname shared by a family names its man: "Morel" is Mr
            # Morel, never Mrs Morel or Annie Morel; else its most named
            # bearer. Whether it is published is settle_aliases' call.
            men = [c for c in lasts if not c.group and (c.gender == "male" or c.tclass == "mr")]
            add(men[0] if len(men) == 1 else max(lasts, key=weight), form)
        elif len(nick) == 1:
            add(nick[0], form)
        else:
            c = NameCluster(gender=_gender_of_first(word))
            c.firsts.add(word)
            clusters.append(c)
            add(c, form)
    _merge_nicknames(clusters)
    _merge_name_prefixes(clusters)
    clusters = [c for c in clusters if c.runs]
    for c in clusters:
        if not c.group and not c.firsts and c.lasts:
            # "the Miss Dashwoods", "the Miss Steeles": sisters, not one of them.
            c.group = all(_plural_of(last, clusters) for last in c.lasts)
    for c in clusters:
        c.runs.sort(key=lambda r: r.start)
    settle_aliases(clusters)
    return clusters


def _merge_name_prefixes(clusters: list[NameCluster]) -> None:
    """Fold an untitled name of two or more words into the one longer name it
    begins ("Wendy Moira Angela" is "Wendy Moira Angela Darling")."""
    longest: dict[tuple[str, ...], list[NameCluster]] = defaultdict(list)
    for c in clusters:
        for parts in {r.parts for r in c.runs if len(r.parts) >= 3}:
            for n in range(2, len(parts)):
                longest[parts[:n]].append(c)
    for c in clusters:
        if not c.runs or c.tclass or any(r.title for r in c.runs):
            continue
        own = max((r.parts for r in c.runs), key=len)
        if len(own) < 2 or any(r.parts != own for r in c.runs if len(r.parts) >= 2):
            continue
        targets = {id(d): d for d in longest.get(own, []) if d is not c and d.runs}
        if len(targets) == 1:
            merge_cluster(next(iter(targets.values())), c)


_KIN_TITLES = frozenset(
    "aunt auntie granny grandma grandmother mother sister cousin lady madame madam dame".split()
)


def _add_by_recency(
    cands: list[NameCluster],
    runs: list[NameRun],
    assign: dict[tuple[str, tuple[str, ...]], NameCluster],
    form: tuple[str, tuple[str, ...]],
) -> None:
    """Give each mention of a shared given name ("Nicholas" for Nicholas
    Rostóv and Prince Nicholas Bolkónski) to the bearer whose full or titled
    name was read shortly before it; without such a cue, to the bearer of the
    previous mention of the name (a scene keeps its Nicholas), and at first to
    the bearer most often named in full. The name is ambiguous, so it is never
    published as an alias."""
    anchors = sorted(
        (r.start, i)
        for i, c in enumerate(cands)
        for r in c.runs
        if (r.title or len(r.parts) >= 2) and r.surface not in c.hidden
    )
    # Who is plain "Nicholas" by default: the bearer named most often by
    # given name and surname without a title (titled people are called by
    # their titles, the others by their given names).
    plain = Counter(
        i for i, c in enumerate(cands) for r in c.runs if not r.title and len(r.parts) >= 2
    )
    count = Counter(i for _, i in anchors)
    default = max(range(len(cands)), key=lambda i: (plain[i], count[i], len(cands[i].runs), -i))
    keys = [a for a, _ in anchors]
    for r in sorted(runs, key=lambda r: r.start):
        k = bisect.bisect_left(keys, r.start)
        recent = k and r.start - anchors[k - 1][0] <= _RECENT
        c = cands[anchors[k - 1][1] if recent else default]
        c.surfaces[r.surface] += 1
        c.runs.append(r)
        c.hidden.add(r.surface)
    assign[form] = max(cands, key=lambda c: len(c.runs))


_PATRONYMIC = re.compile(r"(?:ovich|evich|ovitch|evitch|[iy]ch|ovna|evna|ichna|ínichna)$")
_RECENT = 2000  # characters: about two paragraphs of a novel


# Calendar words that are no given names ("May", "June", "April" and
# "August" are, though the name lists lack them).
_FEASTS = CALENDAR - MALE_NAMES - FEMALE_NAMES - frozenset("april may june august".split())
_DEMONYM = re.compile(r"(?:ians?|ese|ish|ans|ists?|isms?|ites?)$")


def is_person(c: NameCluster, layout: Layout, pronoun_votes: int, in_quote: list[bool]) -> bool:
    """Does this cluster behave like a person rather than a place or a thing?

    A title, a common given name, a speech verb beside the name, or
    pronouns that keep following it are evidence; a name mostly read after
    "the", a demonym or a country is not a person.
    """
    words = layout.words
    text = layout.text
    parts = {p.lower() for r in c.runs for p in r.parts}
    if parts & NOT_PERSON:
        return False
    if parts <= _FEASTS:
        return False  # "till Michaelmas": a date, however often "she" follows it
    if all(len(p) == 1 for p in parts):
        return False  # letters after a name ("James Mortimer, M.R.C.S."), not a person
    if c.group:
        first = c.runs[0].word_index
        after_the = first > 0 and layout.words[first - 1].text.lower() == "the"
        return len(c.runs) >= 2 or after_the
    # "St. Helena", "Saint Paul": a saint's title is as often a place's.
    n_titled = sum(
        1 for r in c.runs if r.title and r.title.lower().rstrip(".") not in {"st", "saint"}
    )
    titled = n_titled > 0
    rarely_titled = n_titled * 10 < len(c.runs)  # one "Monsieur Paris" makes no person
    single = all(len(r.parts) == 1 for r in c.runs)
    given = any(p in MALE_NAMES or p in FEMALE_NAMES or p in NICKNAMES for p in parts)
    place_like = (
        rarely_titled and _mostly_gazetteer(c) and not parts & (MALE_NAMES | FEMALE_NAMES)
    ) or (
        not titled
        and single
        and all(_DEMONYM.search(p) and p not in MALE_NAMES | FEMALE_NAMES for p in parts)
    )
    the_count = 0
    indefinite = 0
    speech = 0
    verbs = 0
    acts = 0
    for r in c.runs:
        k = r.word_index
        prev = words[k - 1].text if k > 0 else ""
        # A line break is a space too: "the\nCossacks".
        spaced = k > 0 and text[words[k - 1].end : r.start] in {" ", "\n", "\r\n"}
        if (prev in _DETERMINERS or prev in {"A", "An"}) and not r.title and spaced:
            the_count += 1  # "the Ayah", "her Ayah", "a new Ayah": a common noun
            indefinite += prev.lower() in {"a", "an"}
        last = k + len(r.parts) + (1 if r.title else 0)
        nxt = words[last].text.lower() if last < len(words) else ""
        prev2 = words[k - 2].text.lower() if k > 1 else ""
        nxt2 = words[last + 1].text.lower() if last + 1 < len(words) else ""
        # A verb across a quote mark has another subject: '"... London," said Edward'.
        same_side_next = last < len(words) and in_quote[last] == in_quote[k]
        same_side_prev = k > 0 and in_quote[k - 1] == in_quote[k]
        if (
            (nxt in SPEECH_VERBS and same_side_next)
            or (prev.lower() in SPEECH_VERBS and same_side_prev)
            or (prev == "to" and prev2 in _SAID_TO)  # "said to Cantwell"
            or (nxt in {"had", "has"} and nxt2 in SPEECH_VERBS)  # "Cantwell had answered"
        ):
            speech += 1
            verbs += 1
        if last < len(words) and words[last].text.islower() and _past_verb(words[last].text):
            acts += 1
        if in_quote[k] and _vocative_frame(text, r.start, r.end):
            speech += 1
        if nxt in {"who", "whom", "whose"}:
            speech += 1  # "Bartleby, who was a scrivener": only people are "who"
    if place_like and (speech < max(2, len(c.runs) // 10) or not verbs):
        return False  # a country or a nationality, unless it keeps talking ("said Turkey")
    if the_count * 2 >= len(c.runs):
        return False
    if not titled and single and indefinite * 2 >= len(c.runs) and speech < 2:
        return False  # "a Florentine", "an Uhlan": a noun for a kind of person
    if not titled and single and not given and all(_abstract_noun(p) for p in parts):
        return False  # "Creation", "Literature", "Antiquity": a personified abstraction
    if not titled and len(c.runs) >= 4 and speech * 4 < len(c.runs) and _mostly_possessive(c, text):
        return False  # "at Tellson's", "Tellson's Bank": a house or a firm, never acting
    if titled or speech:
        return True
    if len(c.runs) == 1 and not given:
        return False  # one untitled mention of a word that is no given name: too little
    if any(
        p.lower() in MALE_NAMES or p.lower() in FEMALE_NAMES or p.lower() in NICKNAMES
        for p in c.firsts
    ):
        return True
    if pronoun_votes >= 2 or (pronoun_votes >= 1 and len(c.runs) <= 3) or acts:
        return True
    multi = [r for r in c.runs if len(r.parts) >= 2]
    return bool(multi) and not any(p.lower() in GAZETTEER for r in multi for p in r.parts)


def _mostly_gazetteer(c: NameCluster) -> bool:
    """Are nine in ten mentions one known place's name? A few longer runs
    ("Central Europe", "Napoleonic France") do not make a country a person."""
    known = sum(1 for r in c.runs if len(r.parts) == 1 and r.parts[0].lower() in GAZETTEER)
    return known * 10 >= len(c.runs) * 9


_ABSTRACT = re.compile(r"(?:[aiu]tion|ture|ity|ism|ness|ship|hood|ology)$")


def _abstract_noun(word: str) -> bool:
    """Does ``word`` end like an abstract noun ("Creation", "Antiquity",
    "Christianity")? Given names are excluded by the caller."""
    return len(word) >= 6 and bool(_ABSTRACT.search(word))


def _mostly_possessive(c: NameCluster, text: str) -> bool:
    """Whether three in four mentions are possessives ("Tellson's")."""
    poss = sum(1 for r in c.runs if text[r.end : r.end + 2].lower() in {"'s", "’s"})
    return poss * 4 >= len(c.runs) * 3


_DETERMINERS = frozenset("the The a an her his their its our your".split())
_SAID_TO = frozenset(
    "said say says spoke speak speaks replied answered whispered shouted muttered "
    "murmured remarked cried called observed".split()
)


def _vocative_frame(text: str, start: int, end: int) -> bool:
    """ ", Watson," / "“Lizzy,": a name set off by commas inside a speech."""
    before = text[max(0, start - 2) : start].strip()
    after = text[end : end + 1]
    return (before.endswith(",") or before[-1:] in "“\"‘'") and after in {
        ",",
        "!",
        "?",
        ";",
        "—",
        "-",
    }


_PAST = frozenset(
    "went came saw took made gave knew thought felt told stood sat ran rose fell began spoke "
    "heard found left kept held brought caught drew drove got grew hid hung led lay lost met "
    "paid put read rode sang shook slept spent stole struck swore taught threw understood "
    "woke wore won wrote".split()
)


def _past_verb(w: str) -> bool:
    return w in _PAST or (
        w.endswith("ed") and len(w) > 4 and w not in {"indeed", "need", "seed", "speed"}
    )


def settle_aliases(clusters: list[NameCluster]) -> None:
    """Publish a bare surname as an alias only when one person bears it.

    Run once the clusters are final. "Maule" beside Matthew and Thomas Maule,
    or "Morel" beside Mrs Morel, names the whole family: its mentions stay
    with the bearer clustering chose, but listing it among one person's names
    would make them the family. Groups ("the Claytons") bear no surname.
    """
    bearers: Counter[str] = Counter()
    for c in clusters:
        if c.runs and not c.group:
            bearers.update(c.lasts | c.firsts)
    givens: Counter[str] = Counter()
    surnames: set[str] = set()
    for c in clusters:
        if c.runs and not c.group:
            givens.update(c.firsts)
            surnames |= c.lasts
    for c in clusters:
        for r in c.runs:
            tkey, parts = r.form
            if (
                not tkey
                and len(parts) == 1
                and parts[0] in c.firsts
                and givens[parts[0]] == 1
                and parts[0] not in surnames
            ):
                # A given name hidden while two clusters shared it, now one person's.
                c.hidden.discard(r.surface)
                continue
            if tkey or len(parts) != 1 or parts[0] not in c.lasts or parts[0] in c.firsts:
                continue
            if bearers[parts[0]] > 1:
                c.hidden.add(r.surface)
            else:
                c.hidden.discard(r.surface)


def merge_cluster(into: NameCluster, other: NameCluster) -> None:
    """Move every name and mention of ``other`` into ``into`` (``other`` is left empty)."""
    into.surfaces.update(other.surfaces)
    into.hidden |= other.hidden
    into.runs.extend(other.runs)
    into.runs.sort(key=lambda r: r.start)
    into.firsts |= other.firsts
    into.lasts |= other.lasts
    into.middles |= other.middles
    if into.gender == "unknown":
        into.gender = other.gender
    into.tclass = into.tclass or other.tclass
    other.runs = []
    other.surfaces = Counter()


def _merge_nicknames(clusters: list[NameCluster]) -> None:
    """Fold a cluster known only by a diminutive ("Lizzy") into its formal
    name, or else into the one more frequent sister form of that name that
    shares its sound ("Eliza": both stand for Elizabeth, and "Bessie", also
    an Elizabeth, shares no three letters with "Lizzy")."""
    for c in clusters:
        if len(c.firsts) != 1 or c.lasts or c.tclass or not c.runs:
            continue
        nick = next(iter(c.firsts)).lower()
        formal = NICKNAMES.get(nick)
        if not formal:
            continue
        targets = [
            d
            for d in clusters
            if d is not c
            and d.runs
            and any(f.lower() in formal for f in d.firsts)
            and _compatible(c.gender, d.gender)
        ]
        if len(targets) > 1:
            # "Harry" beside Lord Henry (591 mentions) and a Sir Henry Ashton
            # named three times is Lord Henry: the one bearer the book is about.
            targets.sort(key=lambda d: len(d.runs), reverse=True)
            if len(targets[0].runs) >= 4 * len(targets[1].runs):
                targets = targets[:1]
        if not targets:
            targets = [
                d
                for d in clusters
                if d is not c
                and len(d.runs) >= len(c.runs)
                and _compatible(c.gender, d.gender)
                and any(
                    NICKNAMES.get(f.lower(), frozenset()) & formal and _sounds_alike(nick, f)
                    for f in d.firsts
                )
            ]
        if len(targets) == 1:
            merge_cluster(targets[0], c)


def _sounds_alike(a: str, b: str) -> bool:
    """Do two given names share three letters in a row ("Lizzy", "Eliza")?"""
    b = b.lower()
    return any(a[i : i + 3] in b for i in range(len(a) - 2))
