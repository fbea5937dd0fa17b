"""The HTTP routes: thin handlers that parse, call ``chat`` or ``jobs``, and map
outcomes to status codes (``processing.py``, ``chat.py``, ``ops.py``;
``bodies.py`` validates request bodies)."""
