"""Names set side by side: a peer's title beside his name, a wife named in
full right after her married title."""

from __future__ import annotations

from tests.extract.conftest import extract, holder


def test_a_peerage_in_apposition_is_the_man_it_follows() -> None:
    text = (
        "A young nobleman, whom we shall call John Clayton, Lord Greystoke, was sent "
        "to Africa. John Clayton said nothing.\n\n"
        "Lord Greystoke walked the deck alone. Clayton watched the sea.\n"
    )
    result = extract(text)
    assert holder(result, "Lord Greystoke") is holder(result, "John Clayton")


def test_an_ordinal_and_a_second_title_may_stand_between() -> None:
    text = (
        "Her husband was James, fifth Earl of Burlesdon and twenty-second Baron "
        "Rassendyll, a Knight of the Garter. James laughed.\n\n"
        "Baron Rassendyll never went abroad. James said so.\n"
    )
    result = extract(text)
    assert holder(result, "Baron Rassendyll") is holder(result, "James")


def test_a_list_of_people_is_no_apposition() -> None:
    text = (
        "At dinner sat Anna, Pierre, Lord Merton and Natasha. Pierre spoke to Anna.\n\n"
        "Lord Merton drank. Anna laughed, and Natasha smiled at Pierre.\n"
    )
    result = extract(text)
    assert holder(result, "Lord Merton") is not holder(result, "Pierre")


def test_a_title_with_a_given_name_of_its_own_is_another_person() -> None:
    text = (
        "We met Pierre, Lord Bolkónski, at the door. Pierre bowed.\n\n"
        "Andrew Bolkónski, the old lord’s son, came later. Lord Bolkónski frowned.\n"
    )
    result = extract(text)
    assert holder(result, "Pierre") is not holder(result, "Lord Bolkónski")


def test_mrs_x_named_in_full_in_the_next_breath_is_that_woman() -> None:
    text = (
        "Sometimes it was Mrs Verloc who answered the bell. Winnie Verloc was a young "
        "woman with a full bust.\n\n"
        "Winnie looked after the lodgers. Mr Verloc came down late. Mrs Verloc smiled.\n"
    )
    result = extract(text)
    assert holder(result, "Mrs. Verloc") is holder(result, "Winnie")
    assert holder(result, "Mr. Verloc") is not holder(result, "Winnie")


def test_a_daughter_named_after_her_mother_stays_apart() -> None:
    text = (
        "Mrs. Lennox went out to a party. Her daughter Mary Lennox stayed in the nursery.\n\n"
        "Mary was cross, and Mrs. Lennox laughed at the officers.\n"
    )
    result = extract(text)
    assert holder(result, "Mrs. Lennox") is not holder(result, "Mary")
