"""A loaded build and its maths: dense and keyword scores, searches, sentences.

Retrieval and answer composition ask the index questions ("dense scores of
these rows", "best-sentence score of each of these rows", "sentences of
these passages and their scores") and get numpy arrays back; they never
slice the vector tables themselves. Everything here is vectorised: no loop
runs once per candidate passage.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexCorrupt
from ..kinds import PassageKind
from ..records import Passage, Report
from .postings import Postings, TermQuery
from .store import PassageStore, load_build, open_array
from .vectors import VectorTable

__all__ = ["Index", "Sentences", "load"]

_EMPTY = np.zeros(0, dtype=np.int64)


def _ranges(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every integer of each [start, end), concatenated, and which range each came from."""
    lengths = (ends - starts).astype(np.int64)
    owner = np.repeat(np.arange(len(lengths)), lengths)
    first_out = np.cumsum(lengths) - lengths  # where each range starts in the output
    ids = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts.astype(np.int64) - first_out, lengths)
    return ids, owner


@dataclass(frozen=True)
class Sentences:
    """Sentences of some passages: their rows, which passage each is of, their spans."""

    ids: np.ndarray  # rows of the sentence table
    owner: np.ndarray  # position, in the rows asked about, of each sentence's passage
    start: np.ndarray  # character span in its passage's text
    end: np.ndarray


class _Terms:
    """Keyword ids per row (a passage's text or a sentence), as two memory-mapped arrays."""

    def __init__(self, folder: Path, name: str) -> None:
        self.first = open_array(folder / f"{name}.first.npy")
        self.ids = open_array(folder / f"{name}.npy")

    def of(self, row: int) -> np.ndarray:
        return np.asarray(self.ids[int(self.first[row]) : int(self.first[row + 1])])

    def gathered(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ids held by each of `rows`, concatenated, and the position of the row each is in."""
        at, owner = _ranges(self.first[rows], self.first[rows + 1])
        return np.asarray(self.ids[at]), owner


class Index:
    """A loaded build: passages, vector tables and the keyword index, memory-mapped."""

    def __init__(self, folder: Path, manifest: dict[str, Any], reports: dict[str, Report]) -> None:
        self.folder = folder
        self.manifest = manifest
        self.reports = reports
        self.passages: Sequence[Passage] = PassageStore(folder / "passages.jsonl", folder / "passages.offsets.npy")
        tables = manifest["tables"]
        self._passages = VectorTable.open(folder, "passages", tables["passages"])
        self._sentences = VectorTable.open(folder, "sentences", tables["sentences"])
        self._spans = open_array(folder / "sentences.spans.npy")
        self._first_sentence = open_array(folder / "sentences.first.npy")
        self._asks = open_array(folder / "passages.asks.npy")
        self._kinds = open_array(folder / "passages.kinds.npy")
        self._passage_terms = _Terms(folder, "passages.terms")
        self._sentence_terms = _Terms(folder, "sentences.terms")
        self.postings = Postings(folder, documents=len(self.passages))
        self.acronyms: dict[str, str] = json.loads((folder / "acronyms.json").read_text(encoding="utf-8"))
        rows = json.loads((folder / "rows.json").read_text(encoding="utf-8"))
        self._report_ids = list(rows["reports"])
        self._report_position = {report_id: i for i, report_id in enumerate(self._report_ids)}
        self._report_starts = np.asarray([rows["reports"][r][0] for r in self._report_ids], dtype=np.int64)
        self.rows_of_report: dict[str, np.ndarray] = {
            report_id: np.arange(start, stop, dtype=np.int64) for report_id, (start, stop) in rows["reports"].items()
        }
        # what the parser recorded: list items by the heading naming their list, judgments
        self.list_rows: dict[str, np.ndarray] = {h: np.asarray(r, dtype=np.int64) for h, r in rows["lists"].items()}
        self.judgment_rows = np.asarray(rows["judgments"], dtype=np.int64)
        self._kind_codes = {PassageKind(name): code for code, name in enumerate(rows["kinds"])}
        self._by_force: dict[str, set[str]] = {}
        self._by_year: dict[int | None, set[str]] = {}
        for report in reports.values():
            self._by_force.setdefault(report.force.casefold().strip(), set()).add(report.id)
            self._by_year.setdefault(report.year, set()).add(report.id)

    # -- what is there -----------------------------------------------------------

    @property
    def build_id(self) -> str:
        return str(self.manifest["build_id"])

    @property
    def dimension(self) -> int:
        return int(self.manifest["dimension"])

    def count(self) -> int:
        return len(self.passages)

    def row(self, passage_id: str) -> int:
        """The row of a passage, from its id ("<report_id>:p<NNNN>" is the NNNNth of its report).

        Raises:
            KeyError: no passage has that id.
        """
        report_id, _, number = passage_id.rpartition(":p")
        rows = self.rows_of_report.get(report_id)
        if rows is None or not number.isdigit() or not 1 <= int(number) <= len(rows):
            raise KeyError(passage_id)
        return int(rows[int(number) - 1])

    def report_ids_where(
        self, *, reports: Iterable[str] | None = None, force: str | None = None, year: int | None = None
    ) -> frozenset[str]:
        """The reports among `reports` (all when None) about `force` (any case) in `year`, each when given."""
        chosen = set(self.reports) if reports is None else set(reports) & self.reports.keys()
        if force is not None:
            chosen &= self._by_force.get(force.casefold().strip(), set())
        if year is not None:
            chosen &= self._by_year.get(year, set())
        return frozenset(chosen)

    def rows_of(self, report_ids: Iterable[str]) -> np.ndarray:
        """The passage rows of these reports, in row order."""
        parts = [self.rows_of_report[r] for r in sorted(set(report_ids), key=self._report_position.__getitem__)]
        return np.concatenate(parts) if parts else _EMPTY

    def report_ids_of(self, rows: np.ndarray) -> list[str]:
        """The report each of `rows` belongs to."""
        positions = np.searchsorted(self._report_starts, rows, side="right") - 1
        return [self._report_ids[p] for p in positions.tolist()]

    def rows_in(self, rows: np.ndarray, report_ids: Iterable[str]) -> np.ndarray:
        """Whether each of `rows` belongs to one of `report_ids` (a mask)."""
        positions = np.searchsorted(self._report_starts, rows, side="right") - 1
        wanted = np.asarray(sorted(self._report_position[r] for r in report_ids if r in self._report_position))
        return np.isin(positions, wanted)

    def is_question(self, rows: np.ndarray) -> np.ndarray:
        """Whether each passage is itself a question (ends with "?")."""
        return np.asarray(self._asks[rows], dtype=bool)

    def is_kind(self, rows: np.ndarray, kind: PassageKind) -> np.ndarray:
        """Whether each passage is of `kind`, read without parsing any passage."""
        return np.asarray(self._kinds[rows] == self._kind_codes.get(kind, -1), dtype=bool)

    def rows_of_kind(self, kind: PassageKind) -> np.ndarray:
        """The rows of every passage of `kind`, in order."""
        return np.flatnonzero(self._kinds[:] == self._kind_codes.get(kind, -1)).astype(np.int64)

    # -- dense -------------------------------------------------------------------

    def passage_scores(self, vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Cosine of `vector` with what is indexed for each of `rows`."""
        return self._passages.scores(vector, rows)

    def sentences_of(self, rows: np.ndarray) -> Sentences:
        """Every sentence of the passages `rows`, in order."""
        ids, owner = _ranges(self._first_sentence[rows], self._first_sentence[rows + 1])
        spans = np.asarray(self._spans[ids])
        return Sentences(ids, owner, spans[:, 1], spans[:, 2])

    def sentence_scores(self, vector: np.ndarray, sentence_ids: np.ndarray) -> np.ndarray:
        """Cosine of `vector` with each sentence."""
        return self._sentences.scores(vector, sentence_ids)

    def best_sentence_scores(self, vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The best sentence's cosine for each of `rows` (NaN for a passage without one)."""
        first, last = self._first_sentence[rows], self._first_sentence[rows + 1]
        ids, _ = _ranges(first, last)
        best = np.full(len(rows), np.nan, dtype=np.float32)
        held = (last - first) > 0
        if len(ids):
            scores = self._sentences.scores(vector, ids)
            offsets = np.cumsum(last - first) - (last - first)
            best[held] = np.maximum.reduceat(scores, offsets[held])  # one max per passage
        return best

    def search_passages(
        self, vector: np.ndarray, k: int, *, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The `k` passage rows nearest `vector`, among `rows` when given, best first."""
        return self._passages.search(vector, k, rows)

    def search_sentences(
        self, vector: np.ndarray, k: int, *, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The passage rows of the `k` sentences nearest `vector` (among those of `rows`), with their scores."""
        allowed = None
        if rows is not None:
            allowed, _ = _ranges(self._first_sentence[rows], self._first_sentence[rows + 1])
        found, scores = self._sentences.search(vector, k, allowed)
        return np.asarray(self._spans[found, 0], dtype=np.int64), scores

    # -- keywords ------------------------------------------------------------------

    def terms(self, tokens: Sequence[str]) -> TermQuery:
        """The keyword query of `tokens` (stems): the terms the index knows, with counts."""
        return self.postings.query(tokens)

    def idf(self, tokens: Sequence[str]) -> dict[str, float]:
        """BM25's inverse document frequency of each token the index holds."""
        ids = self.postings.ids(tokens)
        values = self.postings.idf(ids)
        return {t: float(v) for t, i, v in zip(tokens, ids.tolist(), values.tolist(), strict=True) if i >= 0}

    def document_frequency(self, token: str) -> int:
        return int(self.postings.document_frequency(self.postings.ids([token]))[0])

    def keyword_scores(self, terms: TermQuery, rows: np.ndarray) -> np.ndarray:
        """BM25 score of each of `rows`."""
        return self.postings.scores(terms, rows)

    def search_keywords(
        self, terms: TermQuery, k: int, *, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The `k` passage rows with the best BM25 scores above zero, among `rows` when given."""
        return self.postings.search(terms, k, rows)

    def passage_terms(self, row: int) -> np.ndarray:
        """Keyword ids in the passage's own text (no headings), sorted."""
        return self._passage_terms.of(row)

    def sentence_term_share(self, sentence_ids: np.ndarray, term_ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """For each sentence, the weighted share of the terms (`term_ids` sorted, `weights`) it holds."""
        total = float(weights.sum())
        if not total or not len(sentence_ids):
            return np.zeros(len(sentence_ids), dtype=np.float64)
        held, owner = self._sentence_terms.gathered(sentence_ids)
        at = np.minimum(np.searchsorted(term_ids, held), len(term_ids) - 1)
        found = np.where(term_ids[at] == held, weights[at], 0.0)
        return np.bincount(owner, weights=found, minlength=len(sentence_ids)) / total


def load(index_dir: Path, *, model: str | None = None) -> Index:
    """Load the current build.

    Raises:
        IndexNotBuilt: no build has been switched in.
        IndexMismatch: it was built by another format version or model.
        IndexCorrupt: a file is missing, altered or unreadable.
    """
    build_id, folder, manifest, reports = load_build(index_dir, model=model)
    try:
        index = Index(folder, manifest, reports)
    except Exception as error:  # noqa: BLE001 - any unreadable file means the same thing
        raise IndexCorrupt(f"index build {build_id} cannot be read: {type(error).__name__}: {error}") from None
    counts = manifest.get("counts", {})
    if not (
        len(index._passages) == index.count() == counts.get("passages")
        and len(index._sentences) == len(index._spans) == counts.get("sentences")
        and index._passages.dimension == index._sentences.dimension == manifest.get("dimension")
    ):
        raise IndexCorrupt(f"index build {build_id} has inconsistent counts; rebuild with `peelqa index --force`")
    return index
