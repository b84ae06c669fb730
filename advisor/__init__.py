"""Pain Coding Advisor: interventional pain coding answers grounded in a deterministic rules engine."""

__version__ = "0.1.0"
