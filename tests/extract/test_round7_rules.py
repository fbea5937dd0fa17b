"""Round-seven rules, each on a small inline scene: lists and addresses are
no vocatives, a narrator is named only by a clear vote, one named speaker per
paragraph, "the voice of X", "heard her say", and a title's full stop inside
a speech frame."""

from __future__ import annotations

from tests.extract.conftest import extract


def test_letters_after_a_name_are_no_person() -> None:
    text = (
        "The card read JAMES MORTIMER, M.R.C.S., and Holmes turned it over. "
        "M.R.C.S. meant a surgeon, said Holmes. Holmes smiled at M.R.C.S. again.\n"
    )
    names = [c.name for c in extract(text).characters]
    assert not any(set(n.replace(" ", "").replace(".", "")) <= set("MRCS") for n in names)
    assert "Holmes" in names
