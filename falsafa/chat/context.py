"""What the model sees for one reply: the prompt layout, no I/O.

Usage::

    history = await store.recent_messages(session_id, HISTORY_MESSAGES, before_offset=offset)
    passages = await store.search_passages(book_id, message, limit=PASSAGES_RETRIEVED)
    prompt = build_prompt(
        character_name="Scrooge", persona=system_text, history=history,
        passages=passages, user_message="What would you do if you were free?",
        quotes=["Bah! Humbug!"],
    )
    prompt.messages        # OpenAI chat messages (a falsafa.llm.Prompt)

The layout (documented in the README, checked by a test that reads what the
LLM peer received):

1. ``system``: the persona, rendered for the reader's position;
2. ``system``: "Passages from the book ..." with the retrieved passages,
   each headed by its chapter, all before the reader's position;
3. the recent history written at or before the reader's position (never a
   message from further on in the book), oldest first, as ``user``/``assistant`` turns, within
   ``HISTORY_BUDGET_TOKENS``; older turns are dropped whole (never cut
   mid-message) and a one-line note says how many were left out;
4. ``user``: the new message.

Token counts are estimated as characters / 4, which is close enough for a
budget and needs no tokenizer download.
"""

from __future__ import annotations

from collections.abc import Sequence

from falsafa.llm import Prompt
from falsafa.store.base import Message, Passage

__all__ = [
    "HISTORY_BUDGET_TOKENS",
    "HISTORY_MESSAGES",
    "PASSAGES_RETRIEVED",
    "PASSAGE_BUDGET_TOKENS",
    "build_prompt",
    "estimate_tokens",
]

# Messages of the session read for one reply, newest first; the token budget
# below then keeps as many of them as fit.
HISTORY_MESSAGES = 20
HISTORY_BUDGET_TOKENS = 2000
# Passages searched for one reply; the token budget keeps the best that fit.
PASSAGES_RETRIEVED = 4
PASSAGE_BUDGET_TOKENS = 1500


def estimate_tokens(text: str) -> int:
    return len(text) // 4 + 1


def build_prompt(
    *,
    character_name: str,
    persona: str,
    history: Sequence[Message],
    passages: Sequence[Passage],
    user_message: str,
    quotes: Sequence[str] = (),
    history_budget: int = HISTORY_BUDGET_TOKENS,
    passage_budget: int = PASSAGE_BUDGET_TOKENS,
) -> Prompt:
    messages: list[dict[str, str]] = [{"role": "system", "content": persona}]

    kept_passages: list[str] = []
    used = 0
    for passage in passages:
        cost = estimate_tokens(passage.text)
        if kept_passages and used + cost > passage_budget:
            break
        kept_passages.append(passage.text)
        used += cost
        if used >= passage_budget:
            break
    if kept_passages:
        blocks = []
        for passage in passages[: len(kept_passages)]:
            heading = passage.chapter_title or f"Chapter {passage.chapter}"
            blocks.append(f"[{heading}]\n{passage.text.strip()}")
        messages.append(
            {
                "role": "system",
                "content": "Passages from the book that may help you answer "
                "(stay consistent with them; do not quote them at length):\n\n"
                + "\n\n".join(blocks),
            }
        )

    turns: list[dict[str, str]] = []
    used = 0
    for message in reversed(history):
        cost = estimate_tokens(message.content)
        if used + cost > history_budget:
            break
        turns.append({"role": message.role, "content": message.content})
        used += cost
    turns.reverse()
    dropped = len(history) - len(turns)
    if dropped:
        messages.append(
            {
                "role": "system",
                "content": f"({dropped} earlier messages of this conversation are not shown.)",
            }
        )
    messages.extend(turns)
    messages.append({"role": "user", "content": user_message})
    return Prompt(
        messages=messages,
        character_name=character_name,
        user_message=user_message,
        quotes=tuple(quotes),
        passages=tuple(kept_passages),
        dropped_turns=dropped,
    )
