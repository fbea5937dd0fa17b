"""Facts -> the role-play system prompt, for a given reading position."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from falsafa.persona._voice import pick_spread

__all__ = ["describe", "render_persona", "visible"]

_OBJECT = {"male": "him", "female": "her"}
_SUBJECT = {"male": "He", "female": "She"}


def _how(kinds: set[str]) -> str:
    """How two characters are linked, in words, from their relation kinds."""
    parts = []
    if {"speaks_to", "spoken_to_by"} <= kinds:
        parts.append("you speak with each other")
    elif "speaks_to" in kinds:
        parts.append("you speak to them")
    elif "spoken_to_by" in kinds:
        parts.append("they speak to you")
    if "speaks_about" in kinds:
        parts.append("you talk about them")
    if not parts and "co_occurs" in kinds:
        parts.append("you appear together in the story")
    return "; ".join(parts) or "you know each other"


def visible(items: Sequence[Mapping[str, Any]], before: int | None) -> list[Mapping[str, Any]]:
    """The facts the reader has reached: those wholly before ``before``."""
    if before is None:
        return list(items)
    return [i for i in items if i.get("end", i["start"]) <= before and i["start"] < before]


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def describe(facts: Mapping[str, Any], before: int | None) -> str:
    """The deterministic description, from the facts visible at ``before``."""
    name = facts["name"]
    subject = _SUBJECT.get(facts.get("gender") or "", "They")
    obj = _OBJECT.get(facts.get("gender") or "", "them")
    title = facts.get("book_title") or ""
    parts = [f"{name} is a character in {title}." if title else f"{name} is a character."]
    aliases = [a["text"] for a in visible(facts.get("aliases", []), before)]
    if aliases:
        parts.append(f"{subject} is also called {_join(aliases[:4])}.")
    words = [d["text"] for d in visible(facts.get("descriptors", []), before)][:6]
    if words:
        parts.append(f"The book describes {obj} as {_join(words)}.")
    acts = [a["text"] for a in visible(facts.get("actions", []), before)][:5]
    if acts:
        parts.append(f"What the book has {obj} do: {', '.join(acts)}.")
    people: list[str] = []
    for r in visible(facts.get("relations", []), before):
        if r["name"] not in people:
            people.append(r["name"])
    if people:
        parts.append(f"{subject} is most often with {_join(people[:3])}.")
    if subject == "They":
        parts = [p.replace("They is", "They are") for p in parts]
    return " ".join(parts)


def _speech_lines(facts: Mapping[str, Any]) -> list[str]:
    speech = facts.get("speech") or {}
    base = facts.get("speech_baseline") or {}
    if not speech.get("quotes"):
        return []

    def compare(key: str, more: str, less: str) -> str | None:
        mine, theirs = speech.get(key, 0.0), base.get(key, 0.0)
        if not theirs:
            return None
        if mine >= 1.4 * theirs:
            return more
        if mine <= 0.6 * theirs:
            return less
        return None

    traits = [
        f"your lines average {speech['mean_words']:.0f} words",
        compare("mean_words", "you speak at greater length than most", "you speak briefly"),
        compare(
            "contractions_per_100_words",
            "you talk casually, with many contractions",
            "you speak formally and rarely use contractions",
        ),
        compare("exclamation_share", "you often exclaim", "you seldom exclaim"),
        compare("question_share", "you ask many questions", "you rarely ask questions"),
    ]
    return [f"Your speech: {'; '.join(t for t in traits if t)}."]


def render_persona(
    facts: Mapping[str, Any], before_offset: int | None, position_label: str | None = None
) -> str:
    """The system prompt for playing this character.

    With ``before_offset`` (from ``falsafa.book.position_to_offset``) nothing
    that the book shows at or after that offset appears: no quote, descriptor,
    alias, relation or favourite word. ``position_label`` (e.g. "chapter 12")
    tells the character where the reader is.
    """
    name = facts["name"]
    title = facts.get("book_title") or "the book"
    lines = [
        f"You are {name}, a character in {title}. Speak as {name}: in the first person, "
        "in your own voice, from inside the story.",
        "",
    ]
    if before_offset is None:
        lines.append("The reader has finished the book.")
    else:
        where = f" ({position_label})" if position_label else ""
        lines.append(f"The reader has not finished the book yet{where}.")
        lines.append(
            "You know only what the book has shown up to the reader's position: "
            "never mention or hint at anything that happens later."
        )
        if facts.get("first_seen", {}).get("start", 0) >= before_offset:
            lines.append(
                "The reader has not met you yet: keep who you are and what you do a mystery."
            )

    refined = facts.get("refined_description")
    if refined and (before_offset is None or refined["based_on_offset"] < before_offset):
        description = refined["text"]
    else:
        description = describe(facts, before_offset)
    lines += ["", "## Who you are", description]
    called = [f'"{a["text"]}"' for a in visible(facts.get("addressed_as", []), before_offset)]
    if called:
        lines.append(f"Others address you as {_join(called)}.")
    if facts.get("pronouns"):
        lines.append(f"Your pronouns: {facts['pronouns']}.")

    quotes = visible(facts.get("quotes", []), before_offset)
    chosen = pick_spread(quotes, int(facts.get("quotes_rendered", 6)))
    lines += ["", "## How you speak"]
    if chosen:
        lines.append("Lines you have spoken in the book (match their tone; do not recite them):")
        lines += [f'- "{q["text"]}" (chapter {q["chapter"]})' for q in chosen]
    lines += _speech_lines(facts)
    favourites = [w["text"] for w in visible(facts.get("favourite_words", []), before_offset)]
    if favourites:
        lines.append(f"Words you favour: {', '.join(favourites)}.")

    people: dict[str, set[str]] = {}
    for r in visible(facts.get("relations", []), before_offset):
        people.setdefault(r["name"], set()).add(r["kind"])
    if people:
        lines += ["", "## The people in your world (most present first)"]
        lines += [f"- {other}: {_how(kinds)}." for other, kinds in people.items()]

    lines += [
        "",
        "## How to answer",
        f"- Stay in character as {name} at all times; never mention being an AI, a model "
        "or a prompt.",
        "- Speak in the first person, in your own manner, in a few sentences unless asked "
        "for more.",
        "- Ground what you say in this book: the passages given with each message and the "
        "facts above. Do not draw on other versions or retellings of the story.",
        "- When the book (up to the reader's position) does not tell you something, say "
        "that you do not know or cannot say, in character, rather than invent it.",
    ]
    return "\n".join(lines)
