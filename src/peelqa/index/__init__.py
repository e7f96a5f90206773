"""The index: build it from a corpus, keep it on disk, load it and search it.

    builder.py  parse, embed (through the cache), write, fsync, switch, prune
    cache.py    vectors by (model, text) and parsed reports, kept across builds
    store.py    the folder's layout, manifest, checksums; passages read on demand
    search.py   `Index`, a loaded build, and its vector and keyword maths
    vectors.py  vector tables: exact or FAISS IVF search (the only faiss import)
    postings.py the BM25 keyword index as posting arrays
    version.py  the code version a build records, derived from its source
"""

from __future__ import annotations

from .builder import BuildResult, Progress, TextEncoder, build, build_lock, corpus_files, fingerprint
from .search import Index, Sentences, load
from .store import FORMAT_VERSION, read_manifest

__all__ = [
    "FORMAT_VERSION",
    "BuildResult",
    "Index",
    "Progress",
    "Sentences",
    "TextEncoder",
    "build",
    "build_lock",
    "corpus_files",
    "fingerprint",
    "load",
    "read_manifest",
]
