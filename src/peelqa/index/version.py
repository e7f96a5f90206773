"""The version of the code that shapes a build, derived from its source.

A build depends on more than the parser: the tokenizer, the sentence
splitter, the acronym finder, what is indexed for each passage, and the
builder itself. Rather than a version number someone must remember to bump,
a build records a digest of the source of every peelqa module its builder
imports, directly or not, so changing any of them rebuilds the index (the
vector cache keeps that cheap: unchanged texts are not embedded again).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
from functools import lru_cache
from pathlib import Path

__all__ = ["code_version", "modules_shaping"]

_PACKAGE = "peelqa"


def _file_of(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def _imports(module: str, path: Path) -> set[str]:
    """The peelqa modules that `module` (at `path`) imports by name."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            found.add(base)
            # `from . import shapes` names a module, `from .x import y` usually not
            found.update(f"{base}.{alias.name}" for alias in node.names if _file_of(f"{base}.{alias.name}"))
    return {name for name in found if name == _PACKAGE or name.startswith(_PACKAGE + ".")}


@lru_cache(maxsize=8)
def modules_shaping(*roots: str) -> tuple[str, ...]:
    """`roots` and every peelqa module they import, transitively, sorted."""
    seen: dict[str, Path] = {}
    todo = list(roots)
    while todo:
        module = todo.pop()
        if module in seen or (path := _file_of(module)) is None:
            continue
        seen[module] = path
        todo.extend(_imports(module, path) - seen.keys())
    return tuple(sorted(seen))


@lru_cache(maxsize=8)
def code_version(*roots: str) -> str:
    """A digest of the source of `roots` and every peelqa module they import."""
    digest = hashlib.sha256()
    for module in modules_shaping(*roots):
        path = _file_of(module)
        assert path is not None
        digest.update(module.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
