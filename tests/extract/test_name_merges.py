"""The passes that fold one person's clusters together, on hand-built clusters."""

from __future__ import annotations

from collections import Counter

from falsafa.extract.lexicon import Gender
from falsafa.extract.name_merges import (
    compatible,
    merge_clipped_names,
    merge_cluster,
    merge_name_prefixes,
    merge_nicknames,
)
from falsafa.extract.names import NameCluster, NameRun
from tests.extract.conftest import extract, holder


def _cluster(*names: str, times: int = 1, gender: Gender = "unknown") -> NameCluster:
    """A cluster holding each name ``times`` times; a one-word name is a given name."""
    c = NameCluster(gender=gender)
    for n, name in enumerate(names):
        parts = tuple(name.split())
        for k in range(times):
            at = 1000 * len(c.runs) + 10 * n + k
            c.runs.append(NameRun(at, at + len(name), None, parts, 0, at))
            c.surfaces[name] += 1
        c.firsts.add(parts[0])
        if len(parts) >= 2:
            c.lasts.add(parts[-1])
    return c


def test_compatible_genders() -> None:
    assert compatible("female", "unknown")
    assert compatible("male", "male")
    assert not compatible("male", "female")


def test_merge_cluster_moves_everything_and_empties_the_other() -> None:
    into = _cluster("Bob Cratchit", gender="male")
    other = _cluster("Robert", times=2)
    merge_cluster(into, other)
    assert into.surfaces == Counter({"Bob Cratchit": 1, "Robert": 2})
    assert into.firsts == {"Bob", "Robert"}
    assert [r.start for r in into.runs] == sorted(r.start for r in into.runs)
    assert not other.runs and not other.surfaces


def test_a_diminutive_joins_its_formal_name_of_a_compatible_gender() -> None:
    lizzy = _cluster("Lizzy", times=3)
    elizabeth = _cluster("Elizabeth Bennet", times=5, gender="female")
    elias = _cluster("Elias", times=5, gender="male")
    clusters = [elizabeth, elias, lizzy]
    merge_nicknames(clusters)
    assert "Lizzy" in elizabeth.surfaces
    assert not lizzy.runs


def test_first_words_of_a_longer_name_join_it() -> None:
    short = _cluster("Wendy Moira Angela", times=2)
    full = _cluster("Wendy Moira Angela Darling", times=2)
    merge_name_prefixes([short, full])
    assert "Wendy Moira Angela" in full.surfaces
    assert not short.runs


def test_a_clipped_name_needs_three_mentions_and_one_full_name() -> None:
    tink = _cluster("Tink", times=3)
    bell = _cluster("Tinker Bell", times=2)
    merge_clipped_names([tink, bell])
    assert "Tink" in bell.surfaces

    once = _cluster("Tink", times=2)
    bell2 = _cluster("Tinker Bell", times=2)
    merge_clipped_names([once, bell2])
    assert once.runs  # twice is not enough

    peter = _cluster("Peter", times=4, gender="male")
    peterkin = _cluster("Peterkin Smith", times=1)
    merge_clipped_names([peter, peterkin])
    assert peter.runs  # a known given name is nobody's clipping


def test_a_name_that_begins_a_longer_name_is_that_person() -> None:
    text = (
        "“Wendy Moira Angela Darling,” she replied with some satisfaction.\n\n"
        "“I’m so sorry,” said Wendy Moira Angela. Wendy smiled. Wendy sat down. "
        "Peter looked at Wendy. Wendy laughed.\n"
    )
    result = extract(text)
    wendy = [c for c in result.characters if "Wendy" in c.name or "Wendy" in c.aliases]
    assert len(wendy) == 1
    assert wendy[0].name == "Wendy"


def test_a_diminutive_goes_to_the_one_dominant_bearer_of_the_name() -> None:
    lord = "Lord Henry smiled. " * 8
    text = (
        f"{lord}\n\n"
        "“Harry, you are wicked,” said Basil. Harry laughed. Harry lit a cigarette.\n\n"
        "“Good evening,” said Sir Henry Ashton. Sir Henry Ashton sat down.\n\n"
        "Lady Henry came in. Lady Henry smiled at everyone.\n"
    )
    result = extract(text)
    henry = next(c for c in result.characters if c.name == "Lord Henry")
    assert "Harry" in henry.aliases
    assert "Harry" not in [c.name for c in result.characters]


def test_a_clipped_name_is_the_full_name_it_begins() -> None:
    text = (
        "Tinker Bell flew in. Then Tink hid in the jug, and Tink was cross. "
        "Peter looked for Tink everywhere, and Tinker Bell laughed at him.\n\n"
        "“Where is she?” said Peter.\n"
    )
    result = extract(text)
    assert holder(result, "Tink") is holder(result, "Tinker Bell")
