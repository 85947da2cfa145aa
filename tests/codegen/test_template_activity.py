"""ActivityTally: counts until taken, adds deltas up, and a delta stays small."""

from __future__ import annotations

import pickle
import threading

from omninode_bridge.codegen.template_activity import (
    ActivityTally,
    TemplateActivity,
    TemplateLoads,
)


def test_take_hands_over_the_counts_and_starts_again() -> None:
    tally = ActivityTally()
    tally.miss("model_v1")
    tally.load("model_v1", 4.0)
    tally.hit("model_v1")
    tally.hit("model_v1")
    tally.hit("enum_v1")
    tally.render(1.5)
    tally.render(0.5)

    activity = tally.take()

    assert dict(activity.hits) == {"model_v1": 2, "enum_v1": 1}
    assert dict(activity.misses) == {"model_v1": 1}
    assert activity.loads == (TemplateLoads("model_v1", 1, 4.0),)
    assert (activity.renders, activity.render_ms) == (2, 2.0)
    assert (activity.hit_count, activity.miss_count, activity.load_count) == (3, 1, 1)
    assert not tally.take()


def test_nothing_counted_is_an_empty_activity() -> None:
    assert ActivityTally().take() == TemplateActivity()
    assert not TemplateActivity()


def test_added_deltas_sum_per_template_and_keep_the_last_load_time() -> None:
    tally = ActivityTally()
    tally.add(
        TemplateActivity(
            hits=(("a", 2),), misses=(("a", 1),), loads=(TemplateLoads("a", 1, 9.0),), renders=2
        )
    )
    tally.add(TemplateActivity(hits=(("a", 3), ("b", 1)), loads=(TemplateLoads("a", 1, 5.0),)))
    tally.add(TemplateActivity())

    activity = tally.take()

    assert dict(activity.hits) == {"a": 5, "b": 1}
    assert dict(activity.misses) == {"a": 1}
    assert activity.loads == (TemplateLoads("a", 2, 5.0),)
    assert activity.renders == 2


def test_counts_from_many_threads_are_all_kept() -> None:
    tally = ActivityTally()
    taken: list[TemplateActivity] = []

    def work() -> None:
        for _ in range(2_000):
            tally.hit("t")
        taken.append(tally.take())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    taken.append(tally.take())

    assert sum(a.hit_count for a in taken) == 8_000


def test_a_render_tasks_delta_pickles_small() -> None:
    # what a models task sends back: a handful of templates, never a cache
    tally = ActivityTally()
    for template_id in ("model_v1", "enum_v1", "node_effect_v1", "protocols_v1", "handlers_v1"):
        for _ in range(3):
            tally.hit(template_id)
        tally.render(0.1)

    assert len(pickle.dumps(tally.take())) < 600
