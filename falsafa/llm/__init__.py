"""Who writes the replies: an OpenAI-compatible LLM, or the offline responder.

Usage::

    from falsafa.llm import Prompt, open_responder

    responder = open_responder(settings)      # the LLM when OPENAI_API_KEY is set
    async with responder.stream(prompt) as tokens:
        async for token in tokens:
            ...
        tokens.finish_reason                  # "stop", "length", ... (None: not said)
    await responder.aclose()

    completer = completer_of(responder)       # None offline: persona refinement skipped
    text = await completer.complete(messages, max_tokens=220, temperature=0.4)

Both responders speak one interface (``Responder``) so chat has one code
path. Failures raise ``LLMError``. Chat and the job pipeline depend on this
package; it depends on neither.
"""

from __future__ import annotations

import logging

from falsafa.config import Settings
from falsafa.llm.base import PUBLIC_MESSAGES, Completer, LLMError, Responder, TokenStream
from falsafa.llm.client import LLMResponder
from falsafa.llm.offline import OfflineResponder, compose_offline_reply
from falsafa.llm.prompt import REPLY_MAX_TOKENS, REPLY_TEMPERATURE, Prompt

__all__ = [
    "PUBLIC_MESSAGES",
    "REPLY_MAX_TOKENS",
    "REPLY_TEMPERATURE",
    "Completer",
    "LLMError",
    "LLMResponder",
    "OfflineResponder",
    "Prompt",
    "Responder",
    "TokenStream",
    "completer_of",
    "compose_offline_reply",
    "open_responder",
]

log = logging.getLogger("falsafa.responder")


def open_responder(settings: Settings) -> Responder:
    """The LLM responder, or the offline one when no API key is configured."""
    if settings.offline:
        log.info("no OPENAI_API_KEY: replies come from the offline responder")
        return OfflineResponder()
    return LLMResponder(settings)


def completer_of(responder: Responder) -> Completer | None:
    """The responder's plain completions, when it has a model behind it."""
    return responder if isinstance(responder, LLMResponder) else None
