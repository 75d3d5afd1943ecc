"""dlint: a policy linter for Dockerfiles."""

__version__ = "0.1.0"
