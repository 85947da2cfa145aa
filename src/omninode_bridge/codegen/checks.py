"""Running the generated packages' own checks: ruff, mypy --strict and pytest.

Each tool runs once over all packages of an output folder, in a subprocess
with the current interpreter, all three at the same time. mypy and pytest get
a configuration of their own (strict mypy; pytest with warnings as errors and
no plugins that could change collection), so the result does not depend on
whatever project the output folder happens to sit in.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CHECK_INSTALL_HINT",
    "EXIT_TOOL_MISSING",
    "MYPY_CACHE_ENV",
    "RUFF_SELECT",
    "CheckResult",
    "PackageCheck",
    "run_package_checks",
]

#: The ruff rules generated code is held to (the project's own set), line length 100.
RUFF_SELECT = "E,F,W,I,B,UP,SIM,RUF,ASYNC,PT,C4,RET,PIE"
#: Environment variable naming a shared mypy cache folder (default ``<out>/.mypy_cache``).
MYPY_CACHE_ENV = "OMNINODE_MYPY_CACHE_DIR"
_MYPY_INI = "[mypy]\nstrict = True\nwarn_unreachable = True\n"
_PYTEST_INI = "[pytest]\nfilterwarnings =\n    error\n"
#: Exit status of a check whose tool is not installed (the shell's "command not found").
EXIT_TOOL_MISSING = 127
#: How to install every tool ``--run-tests`` runs.
CHECK_INSTALL_HINT = "python3 -m pip install 'omninode-bridge[check]'"
#: Lines of a failed tool's output kept as its summary.
_FIRST_LINES = 20
#: pytest's python module is ``pytest``; the others are named as the tool.
_MODULES = {"ruff": "ruff", "mypy": "mypy", "pytest": "pytest"}


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One tool's run over the packages.

    Attributes:
        tool: ``ruff``, ``mypy`` or ``pytest``.
        command: The command line run.
        returncode: Its exit status (``EXIT_TOOL_MISSING``, 127, when the
            tool is not installed).
        output: Its combined stdout and stderr.
        duration_ms: Wall time.
        packages: The package folders checked, relative to the output folder.
    """

    tool: str
    command: tuple[str, ...]
    returncode: int
    output: str
    duration_ms: float
    packages: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """Whether the tool exited with status 0."""
        return self.returncode == 0

    @property
    def missing(self) -> bool:
        """Whether the tool is not installed (nothing was checked)."""
        return self.returncode == EXIT_TOOL_MISSING

    @property
    def status(self) -> str:
        """``passed``, ``failed`` or ``missing``."""
        if self.passed:
            return "passed"
        return "missing" if self.missing else "failed"

    def first_lines(self, limit: int = _FIRST_LINES) -> list[str]:
        """The first non-empty lines of the output (the reason it failed)."""
        return [line for line in self.output.splitlines() if line.strip()][:limit]

    def for_package(self, package: str) -> PackageCheck:
        """This tool's verdict on one package (a path relative to the output folder).

        A failure is attributed to the packages its output lines name; when the
        output names none of them (the tool crashed, say), every package failed.
        """
        if self.passed or self.missing:
            reason = "" if self.passed else self.first_lines(1)[0]
            return PackageCheck(self.tool, self.status, reason, ())
        prefix = package.rstrip("/") + "/"
        lines = tuple(line for line in self.first_lines(10_000) if prefix in line)
        if lines or not self.names_any_package:
            return PackageCheck(self.tool, "failed", "", (lines or tuple(self.first_lines()))[:20])
        return PackageCheck(self.tool, "passed", "", ())

    @property
    def names_any_package(self) -> bool:
        """Whether any output line names one of the checked package folders."""
        return any(p + "/" in self.output for p in self.packages)


@dataclass(frozen=True, slots=True)
class PackageCheck:
    """One tool's verdict on one package.

    Attributes:
        tool: ``ruff``, ``mypy`` or ``pytest``.
        status: ``passed``, ``failed``, ``missing`` (tool not installed) or
            ``skipped``.
        reason: Why it was skipped or missing.
        first_lines: The output lines about this package, when it failed.
    """

    tool: str
    status: str
    reason: str
    first_lines: tuple[str, ...]


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
        return list(
            await asyncio.gather(
                *(_run(tool, commands[tool], root, tuple(relative)) for tool in tools)
            )
        )


async def _run(
    tool: str, command: tuple[str, ...], cwd: Path, packages: tuple[str, ...]
) -> CheckResult:
    started = time.perf_counter()
    if importlib.util.find_spec(_MODULES[tool]) is None:
        message = f"{tool} is not installed; install the checks with: {CHECK_INSTALL_HINT}"
        return CheckResult(tool, command, EXIT_TOOL_MISSING, message, 0.0, packages)
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
    except OSError as exc:
        elapsed = (time.perf_counter() - started) * 1000
        return CheckResult(tool, command, EXIT_TOOL_MISSING, str(exc), elapsed, packages)
    output, _ = await process.communicate()
    return CheckResult(
        tool,
        command,
        process.returncode if process.returncode is not None else 1,
        output.decode("utf-8", errors="replace"),
        (time.perf_counter() - started) * 1000,
        packages,
    )
