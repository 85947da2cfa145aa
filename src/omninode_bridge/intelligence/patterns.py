"""Code anti-patterns and the feedback that tunes them: the guide's ``pattern_matcher`` names.

Detection lives with the validators
(``omninode_bridge.validation.patterns``) because it walks
the same parsed tree as they do; learning from feedback lives in
:mod:`omninode_bridge.intelligence.pattern_feedback`. This module gathers the
names the integration guide imports from ``agents.lib.pattern_matcher``::

    from omninode_bridge.intelligence.patterns import FeedbackType, PatternMatcher

    matcher = PatternMatcher()
    for pattern in matcher.detect_patterns(code):
        if pattern.is_anti_pattern:
            print(pattern.name, pattern.confidence, pattern.location)
"""

from omninode_bridge.intelligence.pattern_feedback import (
    AUTOMATED_WEIGHT,
    USER_WEIGHT,
    FeedbackType,
    InMemoryFeedbackStore,
    PatternFeedback,
    PatternFeedbackLearner,
    PatternFeedbackStore,
    PatternPrecision,
    PersistenceFeedbackStore,
    tune_threshold,
)
from omninode_bridge.validation.patterns import (
    DEFAULT_THRESHOLD,
    PATTERN_RULES,
    DetectedPattern,
    PatternLocation,
    PatternMatcher,
)

__all__ = [
    "AUTOMATED_WEIGHT",
    "DEFAULT_THRESHOLD",
    "PATTERN_RULES",
    "USER_WEIGHT",
    "DetectedPattern",
    "FeedbackType",
    "InMemoryFeedbackStore",
    "PatternFeedback",
    "PatternFeedbackLearner",
    "PatternFeedbackStore",
    "PatternLocation",
    "PatternMatcher",
    "PatternPrecision",
    "PersistenceFeedbackStore",
    "tune_threshold",
]
