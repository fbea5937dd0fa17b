"""Proper names of people, and which of them belong to one person.

Usage::

    from falsafa.extract.names import find_names, cluster_names
    layout = Layout.of(text)
    runs = find_names(layout)                 # every personal-name mention
    people = cluster_names(runs)              # one NameCluster per person
    people[0].display, people[0].aliases

The mentions come from ``name_runs.find_names`` (re-exported here); which
clusters are people at all is ``persons.is_person``.

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
from collections.abc import Mapping
from dataclasses import dataclass, field

from falsafa.extract.lexicon import (
    FEMALE_NAMES,
    KINSHIP,
    MALE_NAMES,
    NICKNAMES,
    Gender,
    title_gender,
)
from falsafa.extract.name_merges import (
    compatible,
    merge_clipped_names,
    merge_cluster,
    merge_name_prefixes,
    merge_nicknames,
)
from falsafa.extract.name_runs import NameRun, find_names, is_first_name

__all__ = [
    "NameCluster",
    "NameRun",
    "a_younger_sister",
    "cluster_names",
    "find_names",
    "merge_cluster",
    "settle_aliases",
]

# "Mr. X" and "Mr. John X" are two people only when the plain form was said
# this often before any full name of the cluster ...
_SAID_BEFORE = 5
# ... and the full titled name comes at least once per this many plain ones.
_FULL_SHARE = 20
# A family's plural ("the Claytons") is said at most this many times as
# often as its members' names.
_PLURAL_SHARE = 5


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


def _gender_of_first(name: str) -> Gender:
    ln = name.lower()
    if ln in MALE_NAMES and ln not in FEMALE_NAMES:
        return "male"
    if ln in FEMALE_NAMES and ln not in MALE_NAMES:
        return "female"
    return "unknown"


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


def _one_bearer(
    by_last: list[NameCluster], g: Gender, tcls: str, by_first: list[NameCluster]
) -> NameCluster | None:
    """The person a titled surname may be: its only bearer, or the only one
    whose given name has the title's gender ("Miss Manette" is Lucie Manette
    beside Alexandre Manette), unless the word is also someone's given name."""
    if len(by_last) == 1:
        return by_last[0]
    if g == "unknown" or by_first:
        return None
    # "Mr. Cratchit" is Bob Cratchit, not "Master Peter Cratchit", his son.
    same = [c for c in by_last if c.gender == g and c.tclass in ("", tcls)]
    return same[0] if len(same) == 1 else None


def a_younger_sister(c: NameCluster, forms: Counter[tuple[str, tuple[str, ...]]]) -> bool:
    """Is she called "Miss Marianne" (counted in ``forms``: the book's name
    forms, or her own runs' once clustered) at least as often as by her full name?

    "Miss Dashwood" is the eldest daughter; her younger sisters are "Miss
    Marianne", "Miss Margaret", which is why a woman so called is not the
    "Miss Dashwood" of the book, however well we know her surname.
    """
    by_given = sum(
        n
        for (t, parts), n in forms.items()
        if t.startswith("miss") and parts[0] in c.firsts and len(parts) == 1
    )
    full = sum(1 for r in c.runs if len(r.parts) >= 2)
    return by_given >= max(1, full)


def _title_clash(c: NameCluster, form: Form) -> bool:
    """Does ``c`` bear ``form``'s word under the other woman's title?

    "Miss Hale" and "Lady Hale" (or "Mrs Hale") are a daughter and her
    mother: a woman is not called by one word with both an unmarried and a
    married title, so the two forms never join one cluster.
    """
    tcls = form[0].split(":")[0]
    if tcls not in _WOMEN_CLASSES or form[0].split(":")[-1] in KINSHIP:
        return False
    other = _WOMEN_CLASSES - {tcls}
    # "Aunt Rosa" is Miss Rosa to her nephews: kinship titles say nothing of marriage.
    return any(
        r.form[0].split(":")[0] in other
        and r.form[0].split(":")[-1] not in KINSHIP
        and r.parts == form[1]
        for r in c.runs
    )


_WOMEN_CLASSES = frozenset({"miss", "mrs"})


def _plural_of(word: str, clusters: list[NameCluster], said: int) -> bool:
    """Is ``word``, said ``said`` times, the plural of a surname we know
    ("Claytons", "Woodhouses")? A family is named in the plural at most
    ``_PLURAL_SHARE`` times as often as its members by their names: "Sikes"
    said 259 times is not the plural of one stray "Mr. Sike"."""
    if len(word) < 4 or not word.endswith("s") or word.endswith("ss"):
        return False
    stems = {word[:-1]} | ({word[:-2]} if word.endswith("es") else set())
    members = sum(_weight(c) for c in clusters if not c.group and stems & c.lasts)
    return members > 0 and members * _PLURAL_SHARE >= said


Form = tuple[str, tuple[str, ...]]


def cluster_names(
    runs: list[NameRun], learned: Mapping[str, Gender] | None = None
) -> list[NameCluster]:
    """Group name mentions into people (see the module docstring).

    ``learned`` gives the gender the book itself shows for given names the
    lexicon lacks (:func:`falsafa.extract.gender.given_name_genders`).

    The passes, in order: each name form, longest first, joins a cluster
    or starts one (full names, then titled names, then bare words); then
    diminutives, name prefixes and clipped names are folded in, and
    families named in the plural are marked as groups.
    """
    book = _Clustering(runs, learned or {})
    order = sorted(book.forms, key=lambda f: (-len(f[1]), f[0] == "", -book.forms[f]))
    for form in order:
        if len(form[1]) >= 2:
            book.place_full(form)
        elif book.is_saint(form):
            # "St. Andrew", "Saint Nicholas": a saint (or his day, church or
            # order), never an alias of a living Andrew or Nicholas.
            book.add(book.new(NameCluster(tclass=form[0].split(":")[0])), form)
        elif form[0]:
            book.place_titled(form)
        else:
            book.place_bare(form)
    clusters = book.clusters
    merge_nicknames(clusters)
    merge_name_prefixes(clusters)
    merge_clipped_names(clusters)
    clusters = [c for c in clusters if c.runs]
    mark_families(clusters)
    for c in clusters:
        c.runs.sort(key=lambda r: r.start)
    settle_aliases(clusters)
    return clusters


def mark_families(clusters: list[NameCluster]) -> None:
    """ "The Miss Dashwoods", "the Miss Steeles": sisters, not one of them."""
    for c in clusters:
        if not c.group and not c.firsts and c.lasts:
            c.group = all(_plural_of(last, clusters, _weight(c)) for last in c.lasts)


class _Clustering:
    """The clusters of one book while its name forms are placed."""

    def __init__(self, runs: list[NameRun], learned: Mapping[str, Gender]) -> None:
        self.learned = learned
        self.forms: Counter[Form] = Counter(r.form for r in runs)
        self.by_form: dict[Form, list[NameRun]] = defaultdict(list)
        for r in runs:
            self.by_form[r.form].append(r)
        self.clusters: list[NameCluster] = []
        self.assign: dict[Form, NameCluster] = {}
        # Which surnames each title word is borne with: "Prince Bolkónski"
        # and "Count Rostóv" tell "Prince Nicholas" from "Count Nicholas".
        self.title_lasts: dict[str, Counter[str]] = defaultdict(Counter)
        for r in runs:
            if (
                r.title
                and (len(r.parts) >= 2 or not is_first_name(r.parts[0]))
                and not _PATRONYMIC.search(r.parts[-1])
            ):
                self.title_lasts[r.title.lower().rstrip(".")][r.parts[-1]] += 1
        self.full_first: Counter[str] = Counter()
        self.full_last: Counter[str] = Counter()
        for (_, parts), n in self.forms.items():
            if len(parts) >= 2:
                self.full_first[parts[0]] += n
                self.full_last[parts[-1]] += n

    def new(self, c: NameCluster) -> NameCluster:
        self.clusters.append(c)
        return c

    def add(self, c: NameCluster, form: Form) -> None:
        self.assign[form] = c
        for r in self.by_form[form]:
            c.surfaces[r.surface] += 1
            c.runs.append(r)

    def gender_of_first(self, name: str) -> Gender:
        g = _gender_of_first(name)
        return g if g != "unknown" else self.learned.get(name, "unknown")

    def form_gender(self, form: Form) -> Gender:
        for t in {r.title for r in self.by_form[form] if r.title}:
            g = title_gender(t)
            if g != "unknown":
                return g
        if len(form[1]) == 1 and form[0]:
            return "unknown"
        g = self.gender_of_first(form[1][0])
        return g if g != "unknown" else _patronymic_gender(form[1][1:])

    def titles(self, form: Form) -> set[str]:
        return {r.title.lower().rstrip(".") for r in self.by_form[form] if r.title}

    def is_saint(self, form: Form) -> bool:
        titles = self.titles(form)
        return bool(titles) and titles <= {"st", "saint"} and is_first_name(form[1][0])

    def place_full(self, form: Form) -> None:
        """ "Elizabeth Bennet", "Mr. John Knightley": join the cluster of the
        same surname whose given names and title fit, or start one."""
        tkey, parts = form
        tcls = tkey.split(":")[0]
        g = self.form_gender(form)
        first, last = parts[0], parts[-1]
        # "Nicholas Andréevich": a given name and a patronymic, no surname.
        patronymic = bool(_PATRONYMIC.search(last))
        cands = [
            c
            for c in self.clusters
            if (last in c.lasts or (patronymic and last in c.middles and first in c.firsts))
            and (first in c.firsts or not c.firsts or _same_given(first, c.firsts))
            and compatible(c.gender, g)
            and (not c.tclass or not tcls or c.tclass == tcls or c.firsts)
        ]
        c = max(cands, key=_weight) if cands else self.new(NameCluster(tclass=tcls))
        if tcls and not c.tclass:
            c.tclass = tcls
        c.firsts.add(first)
        c.middles.update(parts[1:-1])
        (c.middles if patronymic else c.lasts).add(last)
        if c.gender == "unknown":
            c.gender = g
        self.add(c, form)

    def place_titled(self, form: Form) -> None:
        """ "Miss Bennet", "Sir William": a surname or a given name with a title."""
        tcls = form[0].split(":")[0]
        g = self.form_gender(form)
        pick = self._titled_bearer(form, tcls, g)
        if pick is None:
            pick = self.new(NameCluster(tclass=tcls, gender=g))
            word = form[1][0]
            title_word = (self.by_form[form][0].title or "").lower().rstrip(".")
            # "Miss Grant" beside "Rose Grant": a word the book's full
            # names end with, and never begin with, is a surname here.
            as_surname = self.full_last[word] > self.full_first[word]
            if (
                is_first_name(word)
                and not as_surname
                and (
                    (tcls != "mrs" and title_gender(title_word) != "unknown")
                    or (title_word in _KIN_TITLES and word.lower() in FEMALE_NAMES)
                )
            ):
                pick.firsts.add(word)
            else:
                pick.lasts.add(word)
        self.add(pick, form)

    def _titled_bearer(self, form: Form, tcls: str, g: Gender) -> NameCluster | None:
        word = form[1][0]
        clusters = self.clusters
        by_last = self._named_bearers(word, tcls, g)
        same_title = [c for c in clusters if word in c.lasts and c.tclass == tcls and not c.firsts]
        by_first = [c for c in clusters if word in c.firsts and compatible(c.gender, g)]
        titled_last = [c for c in by_last if c.tclass == tcls]
        # "Mrs Todd" is "Mrs Almira Todd", and "Mrs Pontellier" is "Edna
        # Pontellier" unless a "Miss Pontellier" shows there are daughters.
        has_miss = ("miss", (word,)) in self.forms
        if same_title:
            return same_title[0]
        if len(titled_last) == 1 and not self._told_apart(titled_last[0], form):
            return titled_last[0]
        bearer = _one_bearer(by_last, g, tcls, by_first)
        if (
            bearer is not None
            and _title_fits(bearer, tcls, word, self.forms, has_miss)
            and not (tcls == "miss" and a_younger_sister(bearer, self.forms))
            and not self._told_apart(bearer, form)
        ):
            return bearer
        by_first = [c for c in by_first if not _title_clash(c, form)]
        if (
            len(by_first) == 1
            and (is_first_name(word) or not by_last)
            and self._a_given_name_here(form, by_first[0])
        ):
            return by_first[0]
        if len(by_first) > 1:
            return self._of_the_family(self.titles(form), by_first)
        return None

    def _told_apart(self, c: NameCluster, form: Form) -> bool:
        """Is "Mr. Knightley" someone else than "Mr. John Knightley"?

        When the titled full name recurs (three times or more), the bare
        titled surname is said three times as often, the bare form was in
        use (``_SAID_BEFORE`` times) before any full name of the cluster,
        and the full titled name keeps coming (at least one in
        ``_FULL_SHARE`` of the bare form's count), the given name is there
        to tell its bearer from the plain "Mr. X" of the book.
        """
        titled_full = sum(1 for r in c.runs if r.title and len(r.parts) >= 2)
        said = self.forms[form]
        if not (titled_full >= 3 and said >= 3 * titled_full):
            return False
        # ...and only when the plain "Mr. X" was somebody before the given
        # name first appeared, and the book keeps the full name up: "Mr.
        # Sikes" after "Mr. William Sikes" is the man the full name brought in.
        first_full = min(r.start for r in c.runs if len(r.parts) >= 2)
        said_before = sum(1 for r in self.by_form[form] if r.start < first_full)
        return said_before >= _SAID_BEFORE and titled_full * _FULL_SHARE >= said

    def _a_given_name_here(self, form: Form, c: NameCluster) -> bool:
        """May a titled word join the cluster that has it as a given name?

        "Sir William", "Lady Catherine", "Miss Lydia": such titles take
        given names. After "Mr." or "Colonel" the word is a surname unless
        its bearer goes by it as a given name at least as often
        ("Colonel Fitzwilliam" is not "Mr. Fitzwilliam Darcy").
        """
        title = (self.by_form[form][0].title or "").lower().rstrip(".")
        if title in _GIVEN_NAME_TITLES:
            return True
        word = form[1][0]
        as_given = sum(
            1 for r in c.runs if r.parts[0] == word and (len(r.parts) >= 2 or not r.title)
        )
        return as_given >= self.forms[form]

    def _named_bearers(self, word: str, tcls: str, g: Gender) -> list[NameCluster]:
        """Clusters with a given name whose surname is ``word`` and whose
        gender fits ("Miss X" is never a "Mrs X")."""
        return [
            c
            for c in self.clusters
            if word in c.lasts
            and c.firsts
            and compatible(c.gender, g)
            and (tcls != "miss" or c.tclass != "mrs")
        ]

    def _of_the_family(self, titles: set[str], by_first: list[NameCluster]) -> NameCluster | None:
        """ "Prince Nicholas" is the Nicholas of the princely family."""
        family: Counter[str] = Counter()
        for t in titles:
            family.update(self.title_lasts.get(t, Counter()))
        kin = sorted(
            ((max((family[x] for x in c.lasts), default=0), i) for i, c in enumerate(by_first)),
            reverse=True,
        )
        if kin and kin[0][0] > 0 and (len(kin) == 1 or kin[1][0] * 3 < kin[0][0]):
            return by_first[kin[0][1]]
        return None

    def place_bare(self, form: Form) -> None:
        """A bare single word: a given name, a surname, a family or a diminutive."""
        word = form[1][0]
        clusters = self.clusters
        firsts = [c for c in clusters if word in c.firsts]
        lasts = [c for c in clusters if word in c.lasts]
        titled = sum(n for (t, parts), n in self.forms.items() if t and parts == (word,))
        if (
            firsts
            and lasts
            and not is_first_name(word)
            and max(self.full_last[word], titled) > self.full_first[word]
        ):
            # "Mrs Ashburnham Leonora" (a dash lost) made "Ashburnham" look
            # like a given name; full names mostly end with it ("Edward
            # Ashburnham"), or titles precede it, so it is a surname.
            firsts = []
        if not firsts and _plural_of(word, clusters, self.forms[form]):
            # "the Claytons": the family as a group, never one of its members.
            c = self.new(NameCluster(group=True))
            c.lasts.add(word)
            self.add(c, form)
            return
        if not firsts and lasts and all(c.tclass == "mrs" and not c.firsts for c in lasts):
            # "Fezziwig" beside "Mrs. Fezziwig" is her husband, not her.
            lasts = []
        if len(firsts) == 1:
            self.add(firsts[0], form)
        elif firsts:
            _add_by_recency(firsts, self.by_form[form], self.assign, form)
        elif lasts:
            self.add(_surname_bearer(lasts), form)
        else:
            self._place_unknown(form)

    def _place_unknown(self, form: Form) -> None:
        word = form[1][0]
        nick = [
            c
            for c in self.clusters
            if any(f.lower() in NICKNAMES.get(word.lower(), frozenset()) for f in c.firsts)
        ]
        if len(nick) == 1:
            self.add(nick[0], form)
            return
        c = self.new(NameCluster(gender=self.gender_of_first(word)))
        c.firsts.add(word)
        self.add(c, form)


def _weight(c: NameCluster) -> int:
    return sum(c.surfaces.values())


def _surname_bearer(lasts: list[NameCluster]) -> NameCluster:
    """A bare surname shared by a family names its man: "Morel" is Mr Morel,
    never Mrs Morel or Annie Morel; else its most named bearer. Whether it
    is published is settle_aliases' call."""
    if len(lasts) == 1:
        return lasts[0]
    men = [c for c in lasts if not c.group and (c.gender == "male" or c.tclass == "mr")]
    return men[0] if len(men) == 1 else max(lasts, key=_weight)


# Titles said before a given name as readily as before a surname.
_GIVEN_NAME_TITLES = frozenset(
    "sir lady lord dame miss master madame mademoiselle prince princess count countess "
    "duke duchess king queen aunt auntie uncle cousin brother sister saint st".split()
)
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


_FEMALE_PATRONYMIC = re.compile(r"(?:ovna|evna|ichna|[ií]nichna)$")
_MALE_PATRONYMIC = re.compile(r"(?:ovich|evich|ovitch|evitch|[iy]ch)$")
_PATRONYMIC = re.compile(f"{_FEMALE_PATRONYMIC.pattern}|{_MALE_PATRONYMIC.pattern}")


def _patronymic_gender(rest: tuple[str, ...]) -> Gender:
    """The gender of a Russian patronymic after a given name: a woman for
    "Sofya Semyonovna", a man for "Semyon Zaharovitch", whatever the given
    name says."""
    if rest and _FEMALE_PATRONYMIC.search(rest[0]):
        return "female"
    if rest and _MALE_PATRONYMIC.search(rest[0]):
        return "male"
    return "unknown"


_RECENT = 2000  # characters: about two paragraphs of a novel


def settle_aliases(clusters: list[NameCluster]) -> None:
    """Publish a bare surname as an alias only when one person bears it, or
    when it is the plain man's of a family whose others go by given names.

    Run once the clusters are final. "Maule" beside Matthew and Thomas Maule,
    or "Morel" beside Mrs Morel, names the whole family: its mentions stay
    with the bearer clustering chose, but listing it among one person's names
    would make them the family. Groups ("the Claytons") bear no surname.
    A bare given name hidden while clustering shared it between two people
    is shown again once one person bears it and it is nobody's surname.
    The family's plain man keeps it: "Knightley" is Mr. Knightley's when
    every other Knightley goes by a given name ("Mr. John Knightley").
    """
    bearers: dict[str, list[NameCluster]] = defaultdict(list)
    givens: Counter[str] = Counter()
    surnames: set[str] = set()
    for c in clusters:
        if c.runs and not c.group:
            for word in c.lasts | c.firsts:
                bearers[word].append(c)
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
            if len(bearers[parts[0]]) > 1 and not _plain_bearer(c, parts[0], bearers[parts[0]]):
                c.hidden.add(r.surface)
            else:
                c.hidden.discard(r.surface)


def _plain_bearer(c: NameCluster, surname: str, bearers: list[NameCluster]) -> bool:
    """Is ``c`` the man a bare surname names: known by no given name, while
    every other bearer goes by a given name with it, and by the plain
    surname ("Mrs. Knightley") in at most a third of their mentions?"""
    if c.firsts or not (c.gender == "male" or c.tclass == "mr"):
        return False
    return all(b is c or _given_named_bearer(b, surname) for b in bearers)


def _given_named_bearer(b: NameCluster, surname: str) -> bool:
    full = any(len(r.parts) >= 2 and r.parts[-1] == surname for r in b.runs)
    plain = sum(1 for r in b.runs if r.parts == (surname,))
    return full and plain * 3 <= len(b.runs)
