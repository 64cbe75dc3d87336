"""onevisit: one visit, done — the queue, the form and the case joined by one event log."""

__version__ = "0.1.0"
