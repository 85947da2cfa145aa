"""The agents layer: scheduler, coordination, metrics and workflows."""
