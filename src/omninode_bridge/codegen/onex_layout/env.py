"""The Python environment ``--run-tests`` checks omnibase-core nodes in.

Generated ONEX nodes import the real ``omnibase_core`` (Python >= 3.12), so
mypy and pytest run in an interpreter that has it: the one given with
``--python``, else an environment the tool makes once and caches under
``~/.cache/omninode-bridge/envs/omnibase-core-<version>-py<X.Y>`` (made with the
first Python >= 3.12 found: on ``PATH`` or under ``$(pyenv root)/versions``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from omninode_bridge.codegen.checks import RUFF_SELECT, CheckResult
from omninode_bridge.errors import ConfigError

__all__ = [
    "OMNIBASE_CORE_VERSION",
    "cached_env_dir",
    "find_base_python",
    "resolve_check_python",
    "run_onex_checks",
]

#: The omnibase-core release generated nodes are checked against.
OMNIBASE_CORE_VERSION = "0.47.57"
_TOOLS = ("mypy", "pytest", "ruff")
_PROBE = "import sys, omnibase_core, mypy, pytest, ruff; print('%d.%d' % sys.version_info[:2])"
_MYPY_INI = "[mypy]\nstrict = True\nwarn_unreachable = True\n"
_PYTEST_INI = "[pytest]\nfilterwarnings =\n    error\n"


def cached_env_dir(version: str = OMNIBASE_CORE_VERSION, python_tag: str = "3.12") -> Path:
    """Where the tool keeps its checking environment."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "omninode-bridge" / "envs" / f"omnibase-core-{version}-py{python_tag}"


def _version_of(python: Path) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [str(python), "-c", "import sys; print('%d %d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=30, check=True,
        ).stdout.split()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return (int(out[0]), int(out[1])) if len(out) == 2 else None


def find_base_python() -> Path | None:
    """A Python >= 3.12 to build the environment with, or ``None``."""
    candidates: list[Path] = []
    if sys.version_info >= (3, 12):
        candidates.append(Path(sys.executable))
    for name in ("python3.12", "python3.13", "python3.14"):
        found = shutil.which(name)
        if found:
            candidates.append(Path(found))
    root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    versions = Path(root) / "versions"
    if versions.is_dir():
        candidates += sorted(versions.glob("3.1[2-9]*/bin/python"))
    for candidate in candidates:
        version = _version_of(candidate)
        if version is not None and version >= (3, 12):
            return candidate
    return None


def _probe(python: Path) -> str | None:
    """``X.Y`` when ``python`` has omnibase_core and the check tools, else ``None``."""
    try:
        done = subprocess.run(
            [str(python), "-c", _PROBE], capture_output=True, text=True, timeout=120, check=False
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def resolve_check_python(python: Path | None) -> Path:
    """The interpreter to check omnibase-core nodes with.

    Raises:
        ConfigError: ``--python`` lacks Python >= 3.12, omnibase_core or a
            check tool; or no Python >= 3.12 is found to build the cached
            environment with (the message says how to fix it).
    """
    install = f"pip install 'omnibase-core=={OMNIBASE_CORE_VERSION}' mypy pytest ruff"
    if python is not None:
        version = _version_of(python)
        if version is None:
            raise ConfigError(f"--python {python}: not a Python interpreter that runs")
        if version < (3, 12):
            raise ConfigError(
                f"--python {python}: Python {version[0]}.{version[1]}; omnibase-core needs >= 3.12"
            )
        if _probe(python) is None:
            raise ConfigError(f"--python {python}: lacks omnibase_core or a check tool; run: "
                              f"{python} -m {install}")  # fmt: skip
        return python
    env = cached_env_dir()
    cached = env / "bin" / "python"
    if cached.exists() and _probe(cached) is not None:
        return cached
    base = find_base_python()
    if base is None:
        raise ConfigError(
            "no Python >= 3.12 found to check omnibase-core nodes with; "
            f"pass --python PATH to an interpreter where you ran: {install}"
        )
    _build_env(base, env)
    return cached


def _build_env(base: Path, env: Path) -> None:
    env.parent.mkdir(parents=True, exist_ok=True)
    steps = [
        [str(base), "-m", "venv", "--clear", str(env)],
        [str(env / "bin" / "python"), "-m", "pip", "install", "-q",
         f"omnibase-core=={OMNIBASE_CORE_VERSION}", *_TOOLS],
    ]  # fmt: skip
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            shutil.rmtree(env, ignore_errors=True)
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            raise ConfigError(f"cannot build the check environment {env}: {tail}")


async def run_onex_checks(
    output_directory: Path,
    packages: Sequence[Path],
    python: Path,
    *,
    mypy_cache_dir: Path | None = None,
) -> list[CheckResult]:
    """ruff, mypy --strict and pytest over node folders, in ``python``'s environment.

    One process per tool over all folders; ``output_directory`` is first on
    ``PYTHONPATH`` so generated packages win over installed ones of the same name.
    """
    root = await asyncio.to_thread(output_directory.resolve)
    relative = tuple(str(p.absolute().relative_to(root)) for p in packages)
    cache = mypy_cache_dir or Path(
        os.environ.get("OMNINODE_MYPY_CACHE_DIR") or root / ".mypy_cache"
    )
    config = root / ".omninode-checks"
    config.mkdir(exist_ok=True)
    (config / "mypy.ini").write_text(_MYPY_INI, encoding="utf-8")
    (config / "pytest.ini").write_text(_PYTEST_INI, encoding="utf-8")
    exe = str(python)
    commands = {
        "ruff": (exe, "-m", "ruff", "check", "--isolated", "--no-cache", "--line-length=100",
                 "--target-version=py312", f"--select={RUFF_SELECT}", *relative),
        "mypy": (exe, "-m", "mypy", "--config-file", str(config / "mypy.ini"),
                 "--cache-dir", str(cache), *relative),
        "pytest": (exe, "-m", "pytest", "-q", "-c", str(config / "pytest.ini"), "--rootdir",
                   str(root), "--import-mode=prepend", "-p", "no:cacheprovider", *relative),
    }  # fmt: skip
    environ = {**os.environ, "PYTHONPATH": str(root)}
    environ.pop("VIRTUAL_ENV", None)
    return list(
        await asyncio.gather(
            *(_run(tool, cmd, root, relative, environ) for tool, cmd in commands.items())
        )
    )


async def _run(
    tool: str, command: tuple[str, ...], cwd: Path, packages: tuple[str, ...], env: dict[str, str]
) -> CheckResult:
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    return CheckResult(
        tool,
        command,
        process.returncode if process.returncode is not None else 1,
        output.decode("utf-8", errors="replace"),
        (time.perf_counter() - started) * 1000,
        packages,
    )
