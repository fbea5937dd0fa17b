"""The prompt layout, built from plain data."""

from __future__ import annotations

import uuid

from falsafa.chat.context import build_prompt, estimate_tokens
from falsafa.llm import compose_offline_reply
from falsafa.store import Message, Passage

BOOK = uuid.uuid4()
SESSION = uuid.uuid4()


def _message(role: str, content: str) -> Message:
    return Message(id=uuid.uuid4(), session_id=SESSION, role=role, content=content)  # type: ignore[arg-type]


def _passage(n: int, text: str) -> Passage:
    return Passage(BOOK, n, 1, "CHAPTER I", n * 100, n * 100 + len(text), text)


def test_layout_persona_passages_history_message() -> None:
    prompt = build_prompt(
        character_name="Emma",
        persona="You are Emma.",
        history=[_message("user", "hi"), _message("assistant", "hello")],
        passages=[_passage(0, "Emma Woodhouse, handsome, clever, and rich.")],
        user_message="How is Harriet?",
    )
    assert [m["role"] for m in prompt.messages] == ["system", "system", "user", "assistant", "user"]
    assert prompt.messages[0]["content"] == "You are Emma."
    assert "[CHAPTER I]\nEmma Woodhouse" in prompt.messages[1]["content"]
    assert prompt.messages[-1] == {"role": "user", "content": "How is Harriet?"}
    assert prompt.dropped_turns == 0


def test_old_turns_are_dropped_whole_within_budget() -> None:
    history = [
        _message("user" if i % 2 == 0 else "assistant", f"turn {i} " + "x" * 400) for i in range(20)
    ]
    prompt = build_prompt(
        character_name="Emma",
        persona="p",
        history=history,
        passages=[],
        user_message="now",
        history_budget=500,
    )
    kept = [m for m in prompt.messages if m["content"].startswith("turn ")]
    assert kept and kept[-1]["content"] == history[-1].content
    assert sum(estimate_tokens(m["content"]) for m in kept) <= 500
    assert prompt.dropped_turns == 20 - len(kept)
    assert f"({prompt.dropped_turns} earlier messages" in prompt.messages[1]["content"]


def test_no_passages_means_no_passage_block() -> None:
    prompt = build_prompt(
        character_name="A", persona="p", history=[], passages=[], user_message="m"
    )
    assert [m["role"] for m in prompt.messages] == ["system", "user"]


def test_offline_reply_uses_the_characters_own_lines() -> None:
    prompt = build_prompt(
        character_name="Scrooge",
        persona="p",
        history=[],
        passages=[_passage(0, "Scrooge sat in his counting-house.")],
        user_message="What do you think of Christmas?",
        quotes=['"Bah! Humbug!"', '"Christmas a humbug, uncle?"', '"Are there no prisons?"'],
    )
    reply = compose_offline_reply(prompt)
    assert reply.startswith("“Christmas a humbug, uncle?”")
    assert "counting-house" in reply
    empty = build_prompt(
        character_name="Nobody", persona="p", history=[], passages=[], user_message="hi"
    )
    assert "Nobody" in compose_offline_reply(empty)
