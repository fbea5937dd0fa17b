"""ReplyText: the reply's text and token count as it streams."""

from __future__ import annotations

from falsafa.chat.reply import ReplyText


def test_tokens_and_text() -> None:
    reply = ReplyText()
    assert (reply.tokens, reply.text()) == (0, "")
    for token in ("Bah", "! ", "Humbug", " — ünïcödé 🎄"):
        reply.add(token)
    assert reply.tokens == 4
    assert reply.text() == "Bah! Humbug — ünïcödé 🎄"
    assert reply.text() == reply.text()  # reading does not consume it
