"""The exceptions peelqa raises.

Only the edges (the CLI and the web service) turn these into exit codes and
HTTP statuses; the core raises them and nothing else on bad input.

    PeelqaError
    ├── ReportParseError      a corpus file is not a report we can read
    │   └── UnsupportedFile   its bytes are neither a PDF nor UTF-8 text
    ├── CorpusError           the corpus folder is missing or holds no reports
    ├── ModelLoadError        the embedding model cannot be loaded offline
    ├── IndexError_           base for problems with a built index
    │   ├── IndexNotBuilt     no build has been switched in yet
    │   ├── IndexCorrupt      a build's files are missing or unreadable
    │   └── IndexMismatch     built with another model or format version
    ├── BuildInProgress       another process holds the build lock
    ├── UnknownReport         no report in the corpus has that id
    ├── InvalidQuestion       a question or its options fail validation
    ├── InvalidRequest        a request's field fails validation (the field is named)
    └── EvaluationFileError   a questions file for `peelqa eval` is malformed
"""

from __future__ import annotations

__all__ = [
    "BuildInProgress",
    "CorpusError",
    "EvaluationFileError",
    "IndexCorrupt",
    "IndexError_",
    "IndexMismatch",
    "IndexNotBuilt",
    "InvalidQuestion",
    "InvalidRequest",
    "ModelLoadError",
    "PeelqaError",
    "ReportParseError",
    "UnknownReport",
    "UnsupportedFile",
]


class PeelqaError(Exception):
    """Base class: every message is one line a person can act on."""


class ReportParseError(PeelqaError):
    """A corpus file is empty, binary, or holds no passages."""


class UnsupportedFile(ReportParseError):
    """The bytes are neither a PDF nor UTF-8 text, whatever the file is called."""


class UnknownReport(PeelqaError):
    """No report in the corpus has the id asked for."""


class CorpusError(PeelqaError):
    """The corpus folder is missing or holds no report files."""


class ModelLoadError(PeelqaError):
    """The configured embedding model cannot be loaded."""


class IndexError_(PeelqaError):  # trailing underscore: don't shadow the builtin
    """Base for problems with a built index."""


class IndexNotBuilt(IndexError_):
    """No index build exists at the configured location."""


class IndexCorrupt(IndexError_):
    """A build's files are missing, truncated or unreadable."""


class IndexMismatch(IndexError_):
    """A build was made with another model or another format version."""


class BuildInProgress(PeelqaError):
    """Another process is building the index right now."""


class InvalidQuestion(PeelqaError):
    """A question or one of its options fails validation."""


class InvalidRequest(PeelqaError):
    """A field of a request fails validation; `field` names it."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class EvaluationFileError(PeelqaError):
    """A questions file is missing, not JSON lines, or lacks fields."""
