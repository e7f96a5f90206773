"""Give every block of a report body a kind, looking only at shapes.

The kinds drive the assembler: headings move the section path, grades become
judgments, footnotes and their trailing references become notes, label/value
runs (the "Force in numbers" page) and tab tables become figures, and what is
left is prose.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from . import shapes
from .blocks import Block, Line
from .markers import clean_inline, footnote_head, strip_note_marks

__all__ = ["Kind", "Typed", "classify"]

_NAME_MAX_WORDS = 6
_MAX_RUN = 24  # a figure pairs a handful of names with values; never look further


class Kind(enum.Enum):
    SKIP = "skip"
    FOOTNOTE = "footnote"
    NOTE_TAIL = "note_tail"
    GRADE = "grade"
    HEADING = "heading"
    CAPTION = "caption"
    SOURCE = "source"
    TABLE = "table"
    LIST = "list"
    FIGURE_VALUES = "figure_values"  # a label and its name/value run
    PARAGRAPH = "paragraph"


@dataclass
class Typed:
    kind: Kind
    blocks: list[Block]  # the label and run share one Typed
    text: str = ""  # clean text, footnote markers removed
    refs: tuple[int, ...] = ()
    note_number: int | None = None
    pairs: list[tuple[str, str]] = field(default_factory=list)  # FIGURE_VALUES

    @property
    def start(self) -> int:
        return self.blocks[0].start

    @property
    def end(self) -> int:
        return self.blocks[-1].end

    @property
    def first_line(self) -> Line:
        return self.blocks[0].lines[0]

    @property
    def last_line(self) -> Line:
        return self.blocks[-1].lines[-1]


def _clean(raw: str) -> tuple[str, tuple[int, ...]]:
    stripped, refs = strip_note_marks(raw)
    return clean_inline(stripped), refs


def _is_name(block: Block) -> bool:
    text = block.text
    return (
        len(block.lines) == 1
        and not shapes.is_value(text)
        and shapes.word_count(text) <= _NAME_MAX_WORDS
        and not text.endswith((".", ":", ";", ",", "?"))
        and shapes.grade_of(text) is None
        and text[:1].isupper()
    )


def _value_run(runs: list[tuple[bool, bool]], first: int) -> int:
    """Length of the name/value run starting at `first` (0 if there is none).

    The run is the longest stretch where names and values balance and the
    last block is a value: "A, 48, B, 350" and "A, B, 30.4, 32.9" both pair up.
    """
    names = values = 0
    best = 0
    for offset, (is_value, is_name) in enumerate(runs[first : first + _MAX_RUN]):
        if is_value:
            values += 1
            if values == names:
                best = offset + 1
        elif is_name:
            names += 1
        else:
            break
    return best


def _pair(run: list[Block]) -> list[tuple[str, str]]:
    names = [b.text for b in run if not shapes.is_value(b.text)]
    values = [b.text for b in run if shapes.is_value(b.text)]
    return list(zip(names, values, strict=True))


def classify(blocks: list[Block]) -> list[Typed]:
    """Type every block of a report body, in order."""
    typed: list[Typed] = []
    # (is a value, is a name) of every block, for the name/value runs of figures
    runs = [(shapes.is_value(b.text), _is_name(b)) for b in blocks]
    i = 0
    while i < len(blocks):
        block = blocks[i]
        raw = block.text
        head = footnote_head(raw)
        if head is not None:
            number, body = head
            text, refs = _clean(body)
            typed.append(Typed(Kind.FOOTNOTE, [block], text, refs, note_number=number))
        elif typed and typed[-1].kind in (Kind.FOOTNOTE, Kind.NOTE_TAIL) and shapes.is_note_tail(raw):
            typed.append(Typed(Kind.NOTE_TAIL, [block], clean_inline(raw)))
        elif all(shapes.is_page_furniture(line.text) for line in block.lines) and not _value_run(runs, i):
            typed.append(Typed(Kind.SKIP, [block]))
        elif shapes.grade_of(raw):
            typed.append(Typed(Kind.GRADE, [block], shapes.grade_of(raw) or ""))
        elif shapes.is_table_block([line.text for line in block.lines]):
            typed.append(Typed(Kind.TABLE, [block]))
        elif shapes.is_list_line(block.lines[0].text):
            typed.append(Typed(Kind.LIST, [block]))
        elif shapes.caption_match(raw):
            text, refs = _clean(raw)
            typed.append(Typed(Kind.CAPTION, [block], text, refs))
        elif shapes.is_source_line(raw):
            typed.append(Typed(Kind.SOURCE, [block], clean_inline(raw)))
        elif len(block.lines) == 1 and (run := _value_run(runs, i + 1)):
            label, refs = _clean(raw)
            run_blocks = blocks[i + 1 : i + 1 + run]
            typed.append(
                Typed(Kind.FIGURE_VALUES, [block, *run_blocks], label, refs, pairs=_pair(run_blocks))
            )
            i += run
        else:
            text, refs = _clean(raw)
            kind = Kind.HEADING if shapes.is_heading_candidate(text) else Kind.PARAGRAPH
            typed.append(Typed(kind, [block], text, refs))
        i += 1
    _veto_headings_before_continuations(typed)
    return typed


_NOTE_KINDS = (Kind.FOOTNOTE, Kind.NOTE_TAIL, Kind.SKIP)


def _veto_headings_before_continuations(typed: list[Typed]) -> None:
    """A "heading" whose next prose starts in lower case is a cut paragraph."""
    following: Typed | None = None  # the next item that is not a note, walking backwards
    for item in reversed(typed):
        if (
            item.kind is Kind.HEADING
            and following is not None
            and following.kind is Kind.PARAGRAPH
            and shapes.starts_lowercase(following.text)
        ):
            item.kind = Kind.PARAGRAPH
        if item.kind not in _NOTE_KINDS:
            following = item
