"""The conversation: validate, lock, build the prompt, stream, persist.

``flow.py`` (one reply, from lock to saved exchange), ``context.py`` (what
the model sees), ``streams.py`` and ``events.py`` (supervised stream tasks
and their SSE bodies), ``lockkeeper.py``, ``sse.py``, ``reply.py``.
"""
