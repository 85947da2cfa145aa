"""summarize_performance: measured speedups averaged per phase, unmeasured ones skipped."""

from __future__ import annotations

from omninode_bridge.persistence.analytics import summarize_performance


def test_speedup_is_the_mean_of_measured_parallel_rows_only() -> None:
    rows = [
        ("total", 10.0, False, True, 4, {"speedup": 2.0}),
        ("total", 12.0, False, True, 4, {"speedup": 3.0}),
        ("total", 11.0, False, True, 4, {"speedup": None}),  # no baseline: skipped
        ("total", 30.0, False, False, 1, {"speedup": 9.0}),  # not parallel: skipped
    ]

    [total] = summarize_performance(rows)

    assert (total.parallel_executions, total.parallel_execution) == (3, 2)
    assert total.speedup == 2.5


def test_no_measured_speedup_gives_none_and_zero_rows() -> None:
    rows = [
        ("code_gen", 1.0, False, True, 2, {"parallelism": 1.8}),
        ("code_gen", 1.0, False, True, 2, {"speedup": True}),
        ("code_gen", 1.0, False, True, 2),
    ]

    [row] = summarize_performance(rows)

    assert (row.parallel_execution, row.speedup) == (0, None)
