"""The ``falsafa`` command: ``serve``, ``extract``, ``persona``, ``config``, ``dev``.

Usage::

    falsafa serve                  # the service, configured by environment variables
    falsafa add FILE [--title T]   # your own book through the local service (scripts/dev.sh)
    falsafa extract [--json] FILE  # characters and quotes of one book
    falsafa persona [--json] FILE  # the personas of one book, with their voice lines
    falsafa config                 # print the configuration table (README)
    falsafa dev create-book ...    # stand-ins for the frontend (falsafa/devtools.py)

Each command imports what it runs when it runs: ``falsafa extract`` is run
once per book in evaluations and must not load the server.
"""

from __future__ import annotations

import os
import sys

from falsafa.memory import use_system_allocator

__all__ = ["main"]

USAGE = """usage: falsafa COMMAND [ARGS]

commands:
  serve      run the service (roles from FALSAFA_ROLES: api, worker, or both)
  add        put a .txt/.md book through the local service: falsafa add FILE [--title T]
  extract    extract characters and quotes: falsafa extract [--json] FILE
  persona    build the personas of a book: falsafa persona [--json] FILE
  config     print the configuration variables as a Markdown table
  dev        stand-ins for the frontend: falsafa dev create-book|create-session|characters|chapters|wait
"""


def main(argv: list[str] | None = None) -> int:
    try:
        code = _main(list(sys.argv[1:] if argv is None else argv))
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``falsafa config | head``): that is no error of
        # ours. Point stdout at /dev/null so the flush at exit cannot raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return code


def _main(args: list[str]) -> int:
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE, end="")
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "serve":
        if args == sys.argv[1:]:  # the command line itself, not a call from Python
            use_system_allocator()  # may re-execute this process: see falsafa.memory
        from falsafa.config import ConfigError, Settings

        try:
            settings = Settings.from_env(os.environ)
        except ConfigError as exc:
            print(f"falsafa: configuration error: {exc}", file=sys.stderr)
            return 2
        from falsafa.supervisor import run

        return run(settings)
    if command == "extract":
        from falsafa.extract.cli import main as extract_main

        return extract_main(rest)
    if command == "persona":
        from falsafa.persona.cli import main as persona_main

        return persona_main(rest)
    if command == "add":
        from falsafa.addbook import main as add_main

        return add_main(rest)
    if command == "dev":
        from falsafa.devtools import main as dev_main

        return dev_main(rest)
    if command == "config":
        from falsafa.config import markdown_table

        print(markdown_table())
        return 0
    print(f"falsafa: unknown command {command!r}\n\n{USAGE}", file=sys.stderr, end="")
    return 2


if __name__ == "__main__":
    sys.exit(main())
