"""The README is a user's document: short, true, and every command in it runs.

Each command line of the README's ``sh`` blocks is run by a test or by CI;
``RUN_BY`` says where, and the test checks that the place exists and holds
the command. The cheap ones are also run here.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from falsafa.config import markdown_table
from falsafa.llm import PUBLIC_MESSAGES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAX_CHARS = 15_000

# The start of a README command -> (file that runs it, text that shows it does).
RUN_BY = {
    "scripts/dev.sh": ("tests/test_devtools.py", 'scripts" / "dev.sh"), "--smoke"'),
    "scripts/test.sh": (".ci/run", "scripts/test.sh"),
    "falsafa dev create-book": ("tests/test_devtools.py", '"create-book"'),
    "falsafa dev wait": ("tests/test_devtools.py", '"wait"'),
    "falsafa dev characters": ("tests/test_devtools.py", '"characters"'),
    "falsafa dev create-session": ("tests/test_devtools.py", '"create-session"'),
    "falsafa dev chapters": ("tests/test_devtools.py", '"chapters"'),
    "falsafa dev chat": ("tests/test_addbook.py", '" dev chat --book-id "'),
    "falsafa add": ("tests/test_addbook.py", '"falsafa.cli", "add"'),
}


def commands() -> list[str]:
    found = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line and not line.startswith("#"):
                found.append(line)
    return found


def test_the_readme_is_short() -> None:
    assert len(README) <= MAX_CHARS, len(README)


def test_the_two_commands_come_first() -> None:
    assert commands()[:2] == ["scripts/dev.sh", "scripts/test.sh"]
    first_screen = README[: README.index("## API")]
    assert "scripts/dev.sh" in first_screen and "scripts/test.sh" in first_screen


def test_every_command_is_run_by_a_test_or_ci() -> None:
    for command in commands():
        matches = [start for start in RUN_BY if command == start or command.startswith(start + " ")]
        assert matches, f"{command!r}: no test or CI step runs it (add one, then list it in RUN_BY)"
        path, evidence = RUN_BY[max(matches, key=len)]
        assert evidence in (ROOT / path).read_text(encoding="utf-8"), (command, path)


def test_falsafa_config_prints_the_table() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "falsafa.cli", "config"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    # docs/configuration.md holds the same table (tests/test_packaging.py compares them).
    assert done.stdout.strip() == markdown_table()


def test_linked_documents_exist() -> None:
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        assert (ROOT / target).exists(), target


def test_the_extraction_summary_quotes_the_cross_validated_figures() -> None:
    summary = README.split("<!-- extraction:begin -->", 1)[1].split("<!-- extraction:end -->")[0]
    assert len([ln for ln in summary.splitlines() if ln and not ln.startswith("#")]) == 5
    assert "scripts/train_extractor.py" in summary
    cv = json.loads((ROOT / "bench" / "results" / "extraction_cv.json").read_text())["cv"]
    for group in ("pdnc", "litbank", "litbank.first_person"):
        assert f"{cv[group]['attribution']:.3f}" in summary, group


def test_every_message_of_a_502_event_is_in_the_event_table() -> None:
    for kind, message in PUBLIC_MESSAGES.items():
        if kind == "completion":
            continue  # persona refinement's: never a chat event
        assert f"| `{message.format(status='<status>')}` |" in README, message
