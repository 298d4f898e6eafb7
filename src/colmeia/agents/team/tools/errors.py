"""What a tool tells the model when it refuses or fails.

`ToolRefusal` is raised for a request the tool will not run (a write, a bad table name, too many
rows); `ToolBackendError` for a backend that failed (syntax error, timeout, connection refused).
Both become a ``ToolMessage`` with ``status="error"`` (see ``graphs/middleware.py``), so the model
can correct itself; neither ends the run.
"""

from __future__ import annotations

from langchain_core.tools import ToolException


class ToolRefusal(ToolException):
    """The tool would not run this request; the message says why and what is allowed."""


class ToolBackendError(ToolException):
    """The backend rejected or failed the request; the message carries its reason."""
