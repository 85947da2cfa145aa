"""The ``omninode`` command line."""
