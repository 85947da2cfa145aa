"""File-system faults and trust boundaries of the writer and the template manager."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
from pathlib import Path

from tests.reliability.conftest import MINIMAL, cli_env, omninode, wide_contract


def test_a_symlinked_package_folder_pointing_outside_is_refused(tmp_path: Path, home: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "minimal_service").symlink_to(elsewhere)
    proc = omninode(["generate", str(MINIMAL), "--out", "out"], cwd=tmp_path, env=cli_env(home))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "symbolic link" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert list(elsewhere.iterdir()) == []


def test_a_symlink_pointing_inside_the_output_folder_is_followed(
    tmp_path: Path, home: Path
) -> None:
    out = tmp_path / "out"
    (out / "real").mkdir(parents=True)
    (out / "minimal_service").symlink_to(out / "real")
    proc = omninode(["generate", str(MINIMAL), "--out", "out"], cwd=tmp_path, env=cli_env(home))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out / "real" / "v1_0_0" / "node.py").is_file()


def test_template_dir_templates_render_sandboxed(tmp_path: Path, home: Path) -> None:
    marker = tmp_path / "PWNED"
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "readme_v1.j2").write_text(
        "{{ cycler.__init__.__globals__.os.popen('touch " + str(marker) + "').read() }}\n",
        encoding="utf-8",
    )
    proc = omninode(
        ["generate", str(MINIMAL), "--out", "out", "--template-dir", "templates"],
        cwd=tmp_path,
        env=cli_env(home),
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert not marker.exists()
    assert not (tmp_path / "out" / "minimal_service" / "v1_0_0" / "README.md").exists()


def _limit_file_size() -> None:
    # A full disk, simulated: files may not grow past 16 KiB (EFBIG instead of SIGXFSZ).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, 16 * 1024))


def test_a_write_error_leaves_no_temporary_files(tmp_path: Path, home: Path) -> None:
    (tmp_path / "wide.yaml").write_text(wide_contract(100), encoding="utf-8")
    env = cli_env(home, OMNINODE_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from omninode_bridge.cli.app import main; main()",
            "generate",
            "wide.yaml",
            "--out",
            "out",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_file_size,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    out = tmp_path / "out"
    assert [p.name for p in out.rglob("*") if ".tmp" in p.name] == []
    assert not (out / "wide" / "v1_0_0" / "node.py").exists()  # nothing half-written
