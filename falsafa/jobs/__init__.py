"""Books in, characters and passages out: intake, the queue, the workers.

- ``intake.py``: ``POST /character/processing``'s workflow, as values;
- ``queue.py``: the reliable job queue on Redis lists;
- ``worker.py``: the consumers and the reaper (the worker role's tasks);
- ``manager.py``: one job's book through the pipeline (``BookProcessor``);
- ``pipeline.py``: the CPU-heavy part, run in a worker process;
- ``status.py``: the book's status transitions, and the one place they are written;
- ``book_text.py``, ``download.py``: checking and fetching the uploaded file.
"""
