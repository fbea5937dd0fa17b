"""Genders from titles, given names and the pronouns that follow a name."""

from __future__ import annotations

from falsafa.extract.builtin import quote_spans_in_words
from falsafa.extract.gender import given_name_genders, infer_genders, pronoun_gender
from falsafa.extract.names import cluster_names, find_names
from falsafa.extract.quotes import find_quotes
from falsafa.extract.text import Layout


def _layout(text: str) -> tuple[Layout, list[bool]]:
    layout = Layout.of(text)
    in_quote, _ = quote_spans_in_words(layout, find_quotes(layout))
    return layout, in_quote


def test_pronoun_gender() -> None:
    assert pronoun_gender("Her") == "female"
    assert pronoun_gender("himself") == "male"
    assert pronoun_gender("they") == "unknown"


def test_a_name_the_lexicon_lacks_takes_the_pronouns_that_follow_it() -> None:
    layout, in_quote = _layout(
        "Then Lucie came in and she sat down. At last Lucie smiled, for she was glad.\n\n"
        "Then Alexandre rose; he bowed. At last Alexandre left, and he did not look back.\n\n"
        "Then Quarrin came. At last Quarrin left.\n"
    )
    learned = given_name_genders(layout, find_names(layout), in_quote)
    assert learned.get("Lucie") == "female"
    assert learned.get("Alexandre") == "male"
    assert "Quarrin" not in learned  # no pronoun, no guess


def test_a_pronoun_inside_a_quote_counts_only_as_he_or_she() -> None:
    layout, in_quote = _layout("“Is it Mavra? Then Mavra told her so,” said Anna.\n")
    assert "Mavra" not in given_name_genders(layout, find_names(layout), in_quote)


def test_learned_genders_reach_the_clusters() -> None:
    layout, in_quote = _layout(
        "Then Lucie came in and she sat down. At last Lucie smiled, for she was glad.\n\n"
        "Lucie Manette and Alexandre Manette were there. Doctor Manette spoke.\n"
    )
    runs = find_names(layout)
    clusters = cluster_names(runs, given_name_genders(layout, runs, in_quote))
    genders, _votes = infer_genders(layout, clusters, in_quote)
    lucie = next(i for i, c in enumerate(clusters) if "Lucie" in c.firsts)
    assert genders[lucie] == "female"
