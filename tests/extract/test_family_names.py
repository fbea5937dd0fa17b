"""A woman's family names: "Miss X" is the eldest daughter, "Mrs X" a bride's new name."""

from __future__ import annotations

import pytest

from tests.extract.conftest import extract, holder


def _sisters(eldest_line: str) -> str:
    return (
        "Helen Grey came in. Then Helen sat down, and she smiled.\n\n"
        "Rosa Grey was younger. “Come, Miss Rosa,” said her father, and Miss Rosa "
        "laughed. Rosa ran out, and she sang.\n\n"
        "Helen looked at the fire, and she sighed. Helen Grey was tired.\n\n"
        f"{eldest_line}\n\n"
        "“Good night,” said Miss Grey. Miss Grey went to bed, and Helen slept.\n"
    )


def test_miss_and_the_surname_is_the_sister_not_called_miss_and_her_given_name() -> None:
    result = extract(_sisters("“You are kind,” said Miss Grey to her mother."))
    assert holder(result, "Miss Grey") is holder(result, "Helen")
    assert holder(result, "Miss Rosa") is not holder(result, "Helen")


def test_a_woman_named_twice_in_one_sentence_with_miss_x_is_someone_else() -> None:
    text = (
        "Anne Moss came in. Then Anne sat down, and she smiled.\n\n"
        "Clara Moss looked up. Clara was tired, and she yawned.\n\n"
        "Anne and Miss Moss walked out. “Stay,” said Miss Moss, and Anne stayed.\n\n"
        "Miss Moss laughed, and Anne frowned at her. Miss Moss left.\n\n"
        "Anne Moss wept. Clara Moss slept, and Clara dreamt.\n"
    )
    result = extract(text)
    assert holder(result, "Miss Moss") is not holder(result, "Anne")
    assert holder(result, "Miss Moss") is holder(result, "Clara")


def test_of_two_sisters_miss_x_is_the_one_whose_paragraphs_she_is_read_in() -> None:
    text = (
        "Clara Holt came in, and Clara sat down. “Well,” said Miss Holt.\n\n"
        "Clara laughed. Miss Holt was merry tonight.\n\n"
        "Clara Holt rose. “I go,” said Miss Holt, and she went.\n\n"
        "Clara sang. Miss Holt had a fine voice.\n\n"
        "Edith Holt stayed at home. Edith read, and she slept.\n\n"
        "Edith woke. Edith Holt was cold, and she shivered.\n"
    )
    result = extract(text)
    assert holder(result, "Miss Holt") is holder(result, "Clara")
    assert holder(result, "Edith") is not holder(result, "Clara")


def _wedding(bride_still_miss: bool) -> str:
    later = "Miss Ward smiled at Mrs. Pratt." if bride_still_miss else "Mrs. Pratt smiled."
    return (
        "Susan Ward came in. “Good day,” said Miss Ward, and Susan sat down.\n\n"
        "Miss Ward was kind. Susan laughed, and Miss Ward went out.\n\n"
        "Mr. Pratt bowed. “I am glad,” said Mr. Pratt, and he sat down.\n\n"
        "Susan was to marry Mr. Pratt in May. Mr. Pratt was happy.\n\n"
        "In June Mrs. Pratt welcomed her friends. Susan poured the tea.\n\n"
        f"“Sit down,” said Mrs. Pratt. {later} Susan laughed.\n\n"
        "Mrs. Pratt went out, and Susan followed. Susan was happy.\n"
    )


def test_mrs_x_after_her_wedding_to_mr_x_is_the_bride() -> None:
    result = extract(_wedding(bride_still_miss=False))
    assert holder(result, "Mrs. Pratt") is holder(result, "Susan")
    assert holder(result, "Mr. Pratt") is not holder(result, "Susan")


def test_a_bride_still_called_miss_after_mrs_x_appears_is_not_mrs_x() -> None:
    result = extract(_wedding(bride_still_miss=True))
    assert holder(result, "Mrs. Pratt") is not holder(result, "Susan")
    assert holder(result, "Miss Ward") is holder(result, "Susan")


def test_mrs_x_named_before_any_wedding_is_not_the_bride() -> None:
    text = "Mrs. Pratt sat by the fire. “Tea,” said Mrs. Pratt, and she rang.\n\n" + _wedding(
        bride_still_miss=False
    )
    result = extract(text)
    assert holder(result, "Mrs. Pratt") is not holder(result, "Susan")
    assert holder(result, "Miss Ward") is holder(result, "Susan")


def _known_by_surname(title: str, weddings: int) -> str:
    """A woman known only as "Mrs. Hale" (a widow) or "Miss Hale" who may marry Mr. Pratt."""
    wedding = f"{title} Hale was to marry Mr. Pratt in May, and Mr. Pratt was happy.\n\n"
    return (
        f"{title} Hale kept the house. “Good day,” said {title} Hale, and she sat down.\n\n"
        f"{title} Hale was kind, and {title} Hale went out.\n\n"
        "Mr. Pratt bowed. “I am glad,” said Mr. Pratt, and he sat down.\n\n"
        + wedding
        * weddings
        + "In June Mrs. Pratt welcomed her friends, and Mr. Pratt poured the tea.\n\n"
        "“Sit down,” said Mrs. Pratt. Mrs. Pratt smiled.\n\n"
        "Mrs. Pratt went out, and Mr. Pratt followed.\n"
    )


@pytest.mark.parametrize("title", ["Mrs.", "Miss"])
def test_a_woman_known_by_her_surname_who_marries_mr_x_is_mrs_x(title: str) -> None:
    result = extract(_known_by_surname(title, weddings=1))
    assert holder(result, "Mrs. Pratt") is holder(result, f"{title} Hale")
    assert holder(result, "Mr. Pratt") is not holder(result, f"{title} Hale")


@pytest.mark.parametrize("title", ["Mrs.", "Miss"])
def test_a_woman_known_by_her_surname_never_said_to_marry_is_not_mrs_x(title: str) -> None:
    result = extract(_known_by_surname(title, weddings=0))
    assert holder(result, "Mrs. Pratt") is not holder(result, f"{title} Hale")
    assert holder(result, "Mrs. Pratt") is not None and holder(result, f"{title} Hale") is not None
