"""The offline responder: excerpts from the book that answer, without any model.

Usage::

    responder = OfflineResponder()
    async with responder.stream(prompt) as tokens:   # prompt: falsafa.llm.Prompt
        async for token in tokens:
            ...
    compose_offline_reply(prompt)                     # the whole reply at once

With no ``OPENAI_API_KEY`` the whole flow still runs locally. The reply is
made only of the book's own words, framed as excerpts: the character's
line most relevant to the message (BM25 over their lines, which chat has
already cut to the reader's position and to lines whose speaker is
certain), quoted whole, a second one when it is relevant too, and at most
one stretch of the best retrieved passage, cut at sentence boundaries and
taken from the narration only (of the first of the top three passages that
has any), so that no other character's line slips in.
Different messages get different replies whenever the book has different
lines: a message that matches no line still picks one by its own words.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
from collections import Counter
from collections.abc import AsyncIterator, Sequence

import trio

from falsafa.llm.base import TokenStream
from falsafa.llm.prompt import Prompt

__all__ = ["OfflineResponder", "best_lines", "compose_offline_reply", "narration_excerpt"]

_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
_STOP = frozenset(
    "a an and are as at be but by can could did do does for from had has have he her him his "
    "how i if in into is it its me my no not of on or our she so than that the their them then "
    "there they this to up us was we were what when where which who why will with would you "
    "your yours tell think about ever very just much more".split()
)
_QUOTE_CHARS = "\"“”‘’'"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_ABBREVIATIONS = frozenset("mr mrs ms dr st messrs mme mlle rev".split())
_EXCERPT_CHARS = 320
# BM25's usual constants: term saturation and length normalisation.
_K1 = 1.5
_B = 0.75


class OfflineResponder:
    """Replies with excerpts of the book, without any model (see the module)."""

    name = "offline"

    def stream(self, prompt: Prompt) -> contextlib.AbstractAsyncContextManager[TokenStream]:
        return self._stream(compose_offline_reply(prompt))

    @contextlib.asynccontextmanager
    async def _stream(self, reply: str) -> AsyncIterator[TokenStream]:
        stream = TokenStream()
        stream.tokens = self._tokens(reply, stream)
        yield stream

    async def _tokens(self, reply: str, stream: TokenStream) -> AsyncIterator[str]:
        for token in re.findall(r"\S+\s*", reply):
            # Yield to the scheduler between tokens, as a network stream would.
            await trio.lowlevel.checkpoint()
            yield token
        stream.finish_reason = "stop"

    async def aclose(self) -> None:
        return None


def _terms(text: str) -> list[str]:
    out = []
    for w in _WORD.findall(text.lower().replace("’", "'")):
        if w in _STOP or len(w) < 3:
            continue
        # A light stem, so that "ghosts" finds "ghost" and "loved" "love".
        for suffix in ("ing", "ed", "es", "s"):
            if w.endswith(suffix) and len(w) - len(suffix) >= 3:
                w = w[: -len(suffix)]
                break
        out.append(w)
    return out


def _bm25(query: Sequence[str], docs: Sequence[Sequence[str]]) -> list[float]:
    n = len(docs)
    avg = sum(map(len, docs)) / n if n else 0.0
    df: Counter[str] = Counter()
    for d in docs:
        df.update(set(d))
    scores = []
    for d in docs:
        tf = Counter(d)
        score = 0.0
        for t in set(query):
            if not tf[t]:
                continue
            idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
            norm = tf[t] + _K1 * (1 - _B + _B * len(d) / (avg or 1))
            score += idf * tf[t] * (_K1 + 1) / norm
        scores.append(score)
    return scores


def _stable_pick(message: str, n: int) -> int:
    digest = hashlib.blake2b(" ".join(message.lower().split()).encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big") % n


def best_lines(message: str, quotes: Sequence[str], keep: int = 2) -> list[str]:
    """The character's lines that best answer ``message``, best first.

    BM25 over the lines; a second line only when it matches too. When no
    line shares a word with the message, one line chosen by the message's
    own words, so that different questions still differ.
    """
    # A line that ends in a comma was cut by its frame ('"...," said he'):
    # the comma belongs to the frame, not to the words.
    lines = [" ".join(q.strip().strip(_QUOTE_CHARS).split()).rstrip(",") for q in quotes]
    lines = [line for line in lines if line]
    if not lines:
        return []
    scores = _bm25(_terms(message), [_terms(line) for line in lines])
    ranked = sorted(range(len(lines)), key=lambda i: (-scores[i], i))
    chosen = [lines[i] for i in ranked[:keep] if scores[i] > 0]
    return chosen or [lines[_stable_pick(message, len(lines))]]


def _narration(paragraph: str) -> list[str]:
    """The paragraph with its speech blanked out, in the pieces between.

    Inside a paragraph a straight quote mark toggles speech; a curly one
    says which way it goes. A quotation left open at the paragraph's end
    (a speech running on into the next) closes there, as the book's next
    paragraph reopens it.
    """
    pieces: list[str] = []
    inside = False
    start = 0
    for m in re.finditer(r"[\"“”]", paragraph):
        mark = m.group()
        opening = mark == "“" or (mark == '"' and not inside)
        if opening and not inside:
            pieces.append(paragraph[start : m.start()])
            inside = True
        elif not opening and inside:
            inside = False
            start = m.end()
    if not inside:
        pieces.append(paragraph[start:])
    return pieces


def _sentences(piece: str) -> list[str]:
    """Whole sentences of a stretch of narration: each starts with a capital
    and ends with a stop (a stretch cut by speech keeps neither fragment)."""
    text = " ".join(piece.split())
    out = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        before = text[: m.start()].rsplit(" ", 1)[-1]
        if before.rstrip(".").lower() in _ABBREVIATIONS:
            continue  # "Mrs. Cratchit": no sentence ends at a title
        out.append(text[start : m.start()])
        start = m.end()
    out.append(text[start:])
    return [s for s in (x.strip() for x in out) if s[:1].isupper() and s[-1:] in ".!?"]


def narration_excerpt(message: str, passage: str) -> str | None:
    """Whole sentences of ``passage`` that answer ``message``: narration only
    (never inside quotation marks), at most about 320 characters."""
    runs: list[list[str]] = []
    for paragraph in re.split(r"\n\s*\n", passage):
        for piece in _narration(paragraph):
            if sentences := _sentences(piece):
                runs.append(sentences)
    wanted = set(_terms(message))
    best: tuple[int, int, str] | None = None
    for run in runs:
        for i in range(len(run)):
            text = run[i]
            for s in run[i + 1 :]:
                if len(text) + 1 + len(s) > _EXCERPT_CHARS:
                    break
                text += " " + s
            if len(text) > _EXCERPT_CHARS:
                continue  # one sentence too long to quote whole
            hits = len(wanted & set(_terms(text)))
            if best is None or (hits, len(text)) > best[:2]:
                best = (hits, len(text), text)
    return best[2] if best else None


def compose_offline_reply(prompt: Prompt) -> str:
    """The reply: the character's line(s) first, quoted whole, then one
    narration excerpt, each said to be the book's words."""
    name = prompt.character_name
    lines = best_lines(prompt.user_message, prompt.quotes)
    # The best-ranked passage with narration to quote (a passage may be all speech).
    excerpts = (narration_excerpt(prompt.user_message, p) for p in prompt.passages[:3])
    excerpt = next((e for e in excerpts if e), None)
    parts = []
    if lines:
        said = " … ".join(f"“{line}”" for line in lines)
        parts.append(f"{said}\n— {name}, in the book (no language model here: excerpts only).")
    if excerpt:
        parts.append(f"From the book: “{excerpt}”")
    if not parts:
        return f"The book has not given {name} words for that yet (no language model here)."
    return "\n\n".join(parts)
