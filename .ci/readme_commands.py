"""Print the README's two commands, one a line: the shell lines of the first
```bash block under the "Two commands" heading, comments dropped."""

from __future__ import annotations

import re
import sys
from pathlib import Path


def readme_commands(text: str) -> list[str]:
    """The command lines of the README's "Two commands" block."""
    section = text.split("## Two commands", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    if block is None:
        raise SystemExit("README: no ```bash block under '## Two commands'")
    return [
        line.strip()
        for line in block.group(1).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


if __name__ == "__main__":
    print("\n".join(readme_commands(Path(sys.argv[1]).read_text(encoding="utf-8"))))
