"""Name mentions found in the text, before any clustering."""

from __future__ import annotations

import pytest

from falsafa.extract.name_runs import find_names, is_first_name, strip_possessive
from falsafa.extract.text import Layout
from tests.extract.conftest import extract


def _names(text: str) -> list[str]:
    return [c.name for c in extract(text).characters]


def test_titled_and_possessive_names_are_runs() -> None:
    text = (
        "Mr. Bennet came in. Elizabeth looked at Mr. Bennet's hat. "
        "Elizabeth laughed, and Mr. Bennet smiled.\n"
    )
    runs = find_names(Layout.of(text))
    forms = [(r.title, r.parts) for r in runs]
    assert forms.count(("Mr", ("Bennet",))) == 3
    assert forms.count((None, ("Elizabeth",))) == 2
    assert all(text[r.start : r.end] in {"Mr. Bennet", "Elizabeth"} for r in runs)


def test_a_run_whose_last_word_is_dropped_ends_at_the_name() -> None:
    # "Oliver I" is no regnal name: the pronoun is dropped, and the span with it.
    text = "“It was about Oliver I was going to speak,” said Fagin.\n"
    runs = find_names(Layout.of(text))
    oliver = [r for r in runs if r.parts == ("Oliver",)]
    assert len(oliver) == 1
    assert text[oliver[0].start : oliver[0].end] == "Oliver"


def test_a_place_one_lives_in_is_no_name() -> None:
    text = (
        "Elinor lived in Norland. Marianne was happy at Norland. They left Norland. "
        "Elinor wrote from Norland, and Marianne sighed.\n"
    )
    names = {r.parts for r in find_names(Layout.of(text))}
    assert ("Norland",) not in names
    assert ("Elinor",) in names


def test_possessives_and_given_names() -> None:
    assert strip_possessive("Holmes's") == "Holmes"
    assert strip_possessive("Bennets’") == "Bennets"
    assert is_first_name("Elizabeth")
    assert not is_first_name("Bennet")


def test_a_place_one_goes_to_and_leaves_is_no_person() -> None:
    text = (
        "Elinor and Marianne lived at Norland with their mother. "
        "“Dear, dear Norland!” said Marianne. “When shall we leave Norland?”\n\n"
        "They went to Norland in the spring, and came back to Norland in June. "
        "Elinor wrote from Norland; Marianne walked at Norland every day. "
        "They were to leave Norland in September.\n\n"
        "“I shall miss Norland,” said Elinor.\n"
    )
    names = _names(text)
    assert "Norland" not in names
    assert {"Elinor", "Marianne"} <= set(names)


def test_a_speech_verb_across_a_quote_mark_is_not_the_name_speaking() -> None:
    text = (
        "Edward came in with Elinor. “Do you like London?” said Edward. "
        "“We shall go round by London,” cried Marianne. “Not by London,” said Elinor.\n\n"
        "Their friends lived in London, and the letters came from London, "
        "and they stayed in London all winter.\n"
    )
    assert "London" not in _names(text)


@pytest.mark.parametrize(
    ("text", "names", "not_names"),
    [
        (  # "New York", "Fort Edward": places, whatever the rest of the run reads like
            "Judy went to New York, and Judy wrote from New York. Gordon was in New York.\n\n"
            "The men marched to Fort Edward. Gordon laughed, and Judy smiled.\n",
            {"Judy", "Gordon"},
            {"New", "York", "Fort", "Edward"},
        ),
        (  # a firm's abbreviation and a form of address
            "Hale, Webb and Co. built the mill. Tom Ashby saw them.\n\n"
            "Address it to John Harker, Esquire, said Tom.\n",
            {"Tom", "Harker"},
            {"Co", "Esquire"},
        ),
    ],
)
def test_words_that_open_a_place_or_close_a_firm_are_no_names(
    text: str, names: set[str], not_names: set[str]
) -> None:
    words = {p for r in find_names(Layout.of(text)) for p in r.parts}
    assert names <= words
    assert not words & not_names
