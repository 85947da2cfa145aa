"""Running the generated packages' own checks: ruff, mypy --strict and pytest.

Each tool runs once over all packages of an output folder, in a subprocess
with the current interpreter, all three at the same time. mypy and pytest get
a configuration of their own (strict mypy; pytest with warnings as errors and
no plugins that could change collection), so the result does not depend on
whatever project the output folder happens to sit in.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MYPY_CACHE_ENV", "RUFF_SELECT", "CheckResult", "run_package_checks"]

#: The ruff rules generated code is held to (the project's own set), line length 100.
RUFF_SELECT = "E,F,W,I,B,UP,SIM,RUF,ASYNC,PT,C4,RET,PIE"
#: Environment variable naming a shared mypy cache folder (default ``<out>/.mypy_cache``).
MYPY_CACHE_ENV = "OMNINODE_MYPY_CACHE_DIR"
_MYPY_INI = "[mypy]\nstrict = True\nwarn_unreachable = True\n"
_PYTEST_INI = "[pytest]\nfilterwarnings =\n    error\n"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One tool's run over the packages.

    Attributes:
        tool: ``ruff``, ``mypy`` or ``pytest``.
        command: The command line run.
        returncode: Its exit status (127 when the tool is not installed).
        output: Its combined stdout and stderr.
        duration_ms: Wall time.
    """

    tool: str
    command: tuple[str, ...]
    returncode: int
    output: str
    duration_ms: float

    @property
    def passed(self) -> bool:
        """Whether the tool exited with status 0."""
        return self.returncode == 0


async def run_package_checks(
    output_directory: Path,
    packages: Sequence[Path],
    *,
    tools: Sequence[str] = ("ruff", "mypy", "pytest"),
    mypy_cache_dir: Path | None = None,
) -> list[CheckResult]:
    """Run ``tools`` over ``packages`` (folders under ``output_directory``).

    Args:
        output_directory: The generation output folder; tools run from it, so
            each package imports as ``<service_name>.<version_dir>``.
        packages: Package folders (``<out>/<service>/<version>``).
        tools: Which of ``ruff``, ``mypy`` and ``pytest`` to run.
        mypy_cache_dir: mypy's incremental cache (default: the folder named by
            ``OMNINODE_MYPY_CACHE_DIR``, else ``<out>/.mypy_cache``); a warm
            cache makes mypy several times faster.

    Returns:
        One result per tool, in the order given.
    """
    root = await asyncio.to_thread(output_directory.resolve)
    relative = [str(p.absolute().relative_to(root)) for p in packages]
    cache = mypy_cache_dir or Path(os.environ.get(MYPY_CACHE_ENV) or root / ".mypy_cache")
    services = sorted({Path(r).parts[0] for r in relative})
    with tempfile.TemporaryDirectory(prefix="omninode-checks-") as scratch:
        config = Path(scratch)
        (config / "mypy.ini").write_text(_MYPY_INI, encoding="utf-8")
        (config / "pytest.ini").write_text(_PYTEST_INI, encoding="utf-8")
        commands = {
            "ruff": (
                sys.executable,
                "-m",
                "ruff",
                "check",
                "--isolated",
                "--no-cache",
                "--line-length=100",
                "--target-version=py311",
                f"--select={RUFF_SELECT}",
                *relative,
            ),
            "mypy": (
                sys.executable,
                "-m",
                "mypy",
                "--config-file",
                str(config / "mypy.ini"),
                "--cache-dir",
                str(cache),
                *services,
            ),
            "pytest": (
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-c",
                str(config / "pytest.ini"),
                "--rootdir",
                str(root),
                "--import-mode=prepend",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:asyncio",
                *relative,
            ),
        }
        return list(await asyncio.gather(*(_run(tool, commands[tool], root) for tool in tools)))


async def _run(tool: str, command: tuple[str, ...], cwd: Path) -> CheckResult:
    started = time.perf_counter()
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
    except OSError as exc:
        return CheckResult(tool, command, 127, str(exc), (time.perf_counter() - started) * 1000)
    output, _ = await process.communicate()
    return CheckResult(
        tool,
        command,
        process.returncode if process.returncode is not None else 1,
        output.decode("utf-8", errors="replace"),
        (time.perf_counter() - started) * 1000,
    )
