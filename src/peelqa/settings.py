"""Every setting in one table: flag, environment variable, default, meaning.

The CLI builds its options from this table and the README documents it; a
test checks that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from .embedding import DEFAULT_MODEL
from .kinds import VectorIndexKind

__all__ = ["SETTINGS", "Setting", "setting"]


@dataclass(frozen=True)
class Setting:
    name: str
    flag: str | None
    env: str
    default: str
    help: str
    choices: tuple[str, ...] = ()  # the only values accepted, when there is such a list


SETTINGS: tuple[Setting, ...] = (
    Setting("corpus", "--corpus", "PEELQA_CORPUS_DIR", "corpus", "Folder of the reports to index (PDF or UTF-8 text files)."),
    Setting("index", "--index", "PEELQA_INDEX_DIR", "index", "Folder where index builds are written and served from."),
    Setting(
        "model",
        "--model",
        "PEELQA_MODEL",
        DEFAULT_MODEL,
        "Embedding model: the bundled all-MiniLM-L6-v2, a local model folder, or a name already in the local Hugging Face cache (never downloaded).",
    ),
    Setting("host", "--host", "PEELQA_HOST", "127.0.0.1", "Address `peelqa serve` listens on."),
    Setting("port", "--port", "PEELQA_PORT", "8000", "Port `peelqa serve` listens on."),
    Setting("threads", "--threads", "PEELQA_THREADS", "4", "Worker threads of the `peelqa serve` WSGI server."),
    Setting(
        "log_level",
        "--log-level",
        "PEELQA_LOG_LEVEL",
        "INFO",
        "Logging level: DEBUG, INFO, WARNING or ERROR.",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
    ),
    Setting(
        "vector_index",
        "--vector-index",
        "PEELQA_VECTOR_INDEX",
        str(VectorIndexKind.AUTO),
        "How builds search vectors: `auto` (exact up to 8,192 vectors, IVF beyond), `flat` (always exact) "
        "or `ivf` (FAISS inverted lists, memory-mapped); anything else is refused.",
        choices=tuple(str(kind) for kind in VectorIndexKind),
    ),
    # environment only: a token on the command line would show in every process list
    Setting(
        "admin_token",
        None,
        "PEELQA_ADMIN_TOKEN",
        "",
        "Token that allows adding and removing reports through the service (`Authorization: Bearer …`); unset, uploads are off.",
    ),
    Setting("max_upload_mb", None, "PEELQA_MAX_UPLOAD_MB", "50", "Largest report file the service accepts for upload, in megabytes."),
)


def setting(name: str) -> Setting:
    """The setting called `name`."""
    return next(s for s in SETTINGS if s.name == name)
