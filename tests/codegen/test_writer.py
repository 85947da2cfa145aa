"""Package writer: plans, atomic writes, kept user files, stale files, manifest, freshness."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from omninode_bridge.codegen.writer import (
    MANIFEST_NAME,
    FileAction,
    FileOwner,
    GeneratedFile,
    Manifest,
    PackageWriter,
    Provenance,
    atomic_write_all,
    is_fresh,
    read_manifest,
    sha256_text,
)
from omninode_bridge.errors import GenerationError


def header(run: str) -> str:
    provenance = Provenance("1.0", "c" * 64, "t" * 64, run, f"corr-{run}")
    return "\n".join(provenance.header_lines()) + "\n"


def files(run: str, body: str = "x = 1\n") -> list[GeneratedFile]:
    return [
        GeneratedFile("a.py", header(run) + body),
        GeneratedFile("pkg/b.py", header(run) + "y = 2\n"),
        GeneratedFile("handlers.py", "# yours\n", FileOwner.USER),
    ]


def write(root: Path, items: list[GeneratedFile], run: str = "r1") -> Manifest:
    writer = PackageWriter(root)
    plan = writer.plan(items)
    manifest = Manifest(
        "1.0", "c" * 64, "t" * 64, run, "corr", "c.yaml", writer.file_hashes(items, plan)
    )
    writer.apply(items, plan, manifest)
    return manifest


def test_apply_reports_the_hash_and_size_of_each_file_it_wrote(tmp_path: Path) -> None:
    items = [*files("r1"), GeneratedFile("naïve.py", "s = 'é'\n")]
    writer = PackageWriter(tmp_path)
    plan = writer.plan(items)
    manifest = Manifest(
        "1.0", "c" * 64, "t" * 64, "r1", "corr", "c.yaml", writer.file_hashes(items, plan)
    )
    applied = writer.apply(items, plan, manifest)
    assert set(applied.written) == {"a.py", "pkg/b.py", "handlers.py", "naïve.py"}
    for path, (sha256, size) in applied.written.items():
        data = (tmp_path / path).read_bytes()
        assert (sha256, size) == (hashlib.sha256(data).hexdigest(), len(data)), path
    # nothing changed: nothing written, nothing reported
    again = PackageWriter(tmp_path)
    second = again.apply(items, again.plan(items), manifest)
    assert second.written == {}


def test_first_write_creates_every_file_and_the_manifest(tmp_path: Path) -> None:
    plan = PackageWriter(tmp_path).plan(files("r1"))
    assert {f.path: f.action for f in plan.files} == {
        "a.py": FileAction.NEW,
        "pkg/b.py": FileAction.NEW,
        "handlers.py": FileAction.NEW,
    }
    assert plan.has_drift
    write(tmp_path, files("r1"))
    assert (tmp_path / "pkg" / "b.py").read_text().endswith("y = 2\n")
    manifest = read_manifest(tmp_path / MANIFEST_NAME)
    assert manifest is not None
    assert manifest.files["a.py"]["sha256"] == sha256_text((tmp_path / "a.py").read_text())
    assert manifest.files["handlers.py"] == {"owner": "user"}
    assert oct((tmp_path / "a.py").stat().st_mode & 0o777) == "0o644"


def test_same_bodies_under_a_new_run_header_are_unchanged(tmp_path: Path) -> None:
    write(tmp_path, files("r1"))
    before = {p: (tmp_path / p).stat().st_mtime_ns for p in ("a.py", "pkg/b.py", MANIFEST_NAME)}
    plan = PackageWriter(tmp_path).plan(files("r2"))
    assert {f.action for f in plan.files} == {FileAction.UNCHANGED, FileAction.KEPT}
    assert not plan.has_drift
    write(tmp_path, files("r2"), run="r1")
    after = {p: (tmp_path / p).stat().st_mtime_ns for p in before}
    assert after == before
    assert "run r1" in (tmp_path / "a.py").read_text()


def test_changed_body_is_rewritten_and_user_file_kept(tmp_path: Path) -> None:
    write(tmp_path, files("r1"))
    (tmp_path / "handlers.py").write_text("# my code\n")
    items = files("r2", body="x = 3\n")
    plan = PackageWriter(tmp_path).plan(items)
    actions = {f.path: f.action for f in plan.files}
    assert actions == {
        "a.py": FileAction.CHANGED,
        "pkg/b.py": FileAction.UNCHANGED,
        "handlers.py": FileAction.KEPT,
    }
    write(tmp_path, items, run="r2")
    assert (tmp_path / "a.py").read_text().endswith("x = 3\n")
    assert (tmp_path / "handlers.py").read_text() == "# my code\n"


def test_files_no_longer_generated_are_stale_and_deleted(tmp_path: Path) -> None:
    write(tmp_path, files("r1"))
    items = [f for f in files("r2") if f.path != "pkg/b.py"]
    plan = PackageWriter(tmp_path).plan(items)
    assert ("pkg/b.py", FileAction.STALE) in {(f.path, f.action) for f in plan.files}
    write(tmp_path, items, run="r2")
    assert not (tmp_path / "pkg" / "b.py").exists()


def test_manifest_paths_outside_the_package_are_never_deleted(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    victim = tmp_path / "victim.py"
    victim.write_text("keep")
    manifest = Manifest(
        "1", "c", "t", "r", "c", "", {"../victim.py": {"owner": "generated", "sha256": "x"}}
    )
    plan = PackageWriter(root).plan([], previous=manifest)
    assert plan.files == ()
    assert victim.exists()


def test_is_fresh_needs_matching_hashes_and_untouched_files(tmp_path: Path) -> None:
    write(tmp_path, files("r1"))
    fresh = {"contract_sha256": "c" * 64, "templates_sha256": "t" * 64, "generator_version": "1.0"}
    assert is_fresh(tmp_path, **fresh) is not None
    assert is_fresh(tmp_path, **{**fresh, "templates_sha256": "other"}) is None
    assert is_fresh(tmp_path, **{**fresh, "generator_version": "2.0"}) is None
    assert is_fresh(tmp_path, templates_sha256="t" * 64, generator_version="1.0") is None
    (tmp_path / "a.py").write_text("edited")
    assert is_fresh(tmp_path, **fresh) is None


def test_failed_atomic_write_leaves_nothing_behind(tmp_path: Path) -> None:
    blocker = tmp_path / "dir_not_file"
    blocker.mkdir()
    (blocker / "inside").write_text("x")
    with pytest.raises(GenerationError, match="a folder is in the way"):
        atomic_write_all([(tmp_path / "first.py", "a"), (blocker, "b")])
    assert not (tmp_path / "first.py").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir_not_file"]
