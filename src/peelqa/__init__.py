"""peelqa: cited answers from police inspection reports."""

from __future__ import annotations

__version__ = "0.1.0"
