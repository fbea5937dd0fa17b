"""Fail when a function under falsafa/extract is above cyclomatic complexity 25.

Usage::

    .venv/bin/python scripts/complexity.py            # radon's count, as issue #16 asks
    .venv/bin/python scripts/complexity.py --max 20 falsafa

Radon counts every boolean operator and comprehension condition (ruff's
C901 counts fewer), so this is the stricter reading. A long cascade of
conditions is a sign that evidence should be a feature and a weight.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from radon.complexity import cc_visit


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", default=["falsafa/extract"])
    parser.add_argument("--max", type=int, default=25)
    args = parser.parse_args()
    over: list[str] = []
    for root in args.paths:
        files = [Path(root)] if root.endswith(".py") else sorted(Path(root).rglob("*.py"))
        for path in files:
            for block in cc_visit(path.read_text(encoding="utf-8")):
                if block.complexity <= args.max:
                    continue
                name = block.fullname
                over.append(f"{path}:{block.lineno} {name} {block.complexity}")
    for line in over:
        print(f"above {args.max}: {line}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
