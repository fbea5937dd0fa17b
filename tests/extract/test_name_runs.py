"""Name mentions found in the text, before any clustering."""

from __future__ import annotations

from falsafa.extract.name_runs import find_names, is_first_name, strip_possessive
from falsafa.extract.text import Layout


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
