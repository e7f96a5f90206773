"""Walk a classified report body and assemble its passages.

The walk keeps the section path, rejoins paragraphs that a page break, a
column jump or a footnote cut in two, and turns grades, footnotes, list
items, tables and label/value figures into passages of their own.

Rejoining: a paragraph that stops mid-sentence stays open. Prose that starts
in lower case continues the oldest open paragraph (two columns cut at the
bottom of a page resume in the same order on the next). Prose that starts
with a capital continues the newest open paragraph only when nothing but
footnotes came between: that is a page break, not a new paragraph.

Where the source knows its pages and columns (frames), the prose that opens a
frame continues the paragraph or list item that closed the frame before when
that one stopped mid-sentence, or when its last line was full: too full for
the next word and within a couple of spaces of the edge. A paragraph that
ended there would most likely have left room.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..kinds import PassageKind
from ..records import Value
from ..sentences import split_sentences
from . import shapes, values
from .classify import Kind, Typed
from .layout import Lexicon
from .markers import clean_inline, strip_note_marks
from .outline import Outline

__all__ = ["Draft", "assemble"]

_MIN_PARAGRAPH_WORDS = 4
# A line with less room than this left (in spaces) is full: set ragged, a
# paragraph's last line rarely is, set justified it never is.
_FULL_LINE_ROOM = 2.0


@dataclass
class Draft:
    """A passage before it has its id and order."""

    kind: PassageKind
    text: str
    section: tuple[str, ...]
    start: int
    end: int
    refs: list[int] = field(default_factory=list)
    note_number: int | None = None
    grade: str | None = None  # judgments only
    judged_question: str | None = None  # judgments only
    values: tuple[Value, ...] = ()  # figures and table rows
    list_heading: str | None = None  # list items under a heading that names a list


@dataclass
class _Heading:
    level: int
    text: str
    start: int


@dataclass
class _Open:
    draft: Draft
    path: list[_Heading]


@dataclass
class _Walk:
    outline: Outline
    lexicon: Lexicon
    drafts: list[Draft] = field(default_factory=list)
    judgments: dict[str, str] = field(default_factory=dict)
    note_homes: dict[int, tuple[str, ...]] = field(default_factory=dict)
    path: list[_Heading] = field(default_factory=list)
    # paragraphs left mid-sentence, oldest first, by id of their draft
    open: dict[int, _Open] = field(default_factory=dict)
    # True from a paragraph left open until anything but a footnote follows.
    just_cut: bool = False
    # True once a footnote has followed such a paragraph: a page break.
    cut_by_notes: bool = False
    last_note: Draft | None = None
    caption: Draft | None = None  # a figure caption still waiting for its table
    # The last item that was not a footnote, and the paragraph or list item it
    # left (None after a heading, a table …): what a new frame may continue.
    last_body: Typed | None = None
    last_text: _Open | None = None

    @property
    def section(self) -> tuple[str, ...]:
        return tuple(heading.text for heading in self.path)

    def add(self, kind: PassageKind, text: str, start: int, end: int, refs: tuple[int, ...] = ()) -> Draft:
        draft = Draft(kind, text, self.section, start, end, list(refs))
        self.drafts.append(draft)
        self._home_notes(refs)
        return draft

    def _home_notes(self, refs: tuple[int, ...]) -> None:
        for number in refs:
            self.note_homes.setdefault(number, self.section)

    # -- one method per kind -------------------------------------------------

    def heading(self, index: int, item: Typed) -> None:
        level = self.outline.levels[index]
        while self.path and self.path[-1].level >= level:
            self.path.pop()
        self.path.append(_Heading(level, item.text, item.start))
        self._home_notes(item.refs)

    def grade(self, item: Typed) -> None:
        questions = [h.text for h in self.path if shapes.is_question(h.text)]
        if questions:
            judged = shapes.judged_question(questions[-1])
        else:
            judged = self.path[-1].text if self.path else "Overall"
        self.judgments.setdefault(judged, item.text)
        start = self.path[-1].start if self.path else item.start
        draft = self.add(PassageKind.JUDGMENT, shapes.judgment_text(judged, item.text), start, item.end)
        draft.grade = item.text
        draft.judged_question = judged

    def footnote(self, item: Typed) -> None:
        draft = self.add(PassageKind.FOOTNOTE, item.text, item.start, item.end, item.refs)
        draft.note_number = item.note_number
        self.last_note = draft
        self.cut_by_notes = self.just_cut

    def note_tail(self, item: Typed) -> None:
        assert self.last_note is not None  # classify only emits tails after notes
        self.last_note.text = f"{self.last_note.text} {item.text}"
        self.last_note.end = item.end

    def caption_block(self, item: Typed) -> None:
        self.caption = self.add(PassageKind.FIGURE, item.text, item.start, item.end, item.refs)

    def source(self, item: Typed) -> None:
        last = self.drafts[-1] if self.drafts else None
        if last is not None and last.kind == PassageKind.FIGURE and last is self.caption:
            last.text = f"{last.text} ({item.text})"
            last.end = item.end

    def table(self, item: Typed) -> None:
        rows = [line.text.split("\t") for line in item.blocks[0].lines]
        lines = item.blocks[0].lines
        header = [clean_inline(cell) for cell in rows[0]]
        caption, start = None, item.start
        if self.caption is not None and self.drafts and self.drafts[-1] is self.caption:
            caption, start = self.caption.text, self.caption.start
            self.drafts.pop()
        context = caption or header[0]
        columns = values.table_columns(header[1:])
        for line, cells in zip(lines[1:], rows[1:], strict=True):
            cells = [clean_inline(cell) for cell in cells]
            written = "; ".join(
                f"{name} {value}" for name, value in zip(header[1:], cells[1:], strict=False) if value
            )
            label = f"{context} — {cells[0].rstrip('*')}"
            draft = self.add(PassageKind.TABLE, f"{label}: {written}", start, line.end)
            draft.values = values.row_values(label, columns, cells[1:])

    def list_block(self, item: Typed) -> None:
        current: Draft | None = None
        for line in item.blocks[0].lines:
            text, refs = strip_note_marks(line.text)
            if shapes.is_list_line(text) or current is None:
                body = clean_inline(shapes.list_item_body(text))
                current = self.add(PassageKind.LIST_ITEM, body, line.start, line.end, refs)
                if self.path and shapes.is_generic_part_heading(self.path[-1].text):
                    current.list_heading = self.path[-1].text
            else:  # a wrapped line of the item above
                current.text = self.lexicon.join(current.text, clean_inline(text))
                current.end = line.end
                current.refs.extend(refs)
        if current is not None:
            self.last_text = _Open(current, list(self.path))

    def figure_values(self, item: Typed) -> None:
        written = "; ".join(f"{name} {value}" for name, value in item.pairs)
        draft = self.add(PassageKind.FIGURE, f"{item.text}: {written}", item.start, item.end, item.refs)
        draft.values = values.figure_values(item.text, item.pairs)

    def carried(self, item: Typed) -> _Open | None:
        """The paragraph or list item that `item` may continue across a frame break."""
        last, text = self.last_body, self.last_text
        if last is None or text is None:
            return None
        before, after = last.last_line, item.first_line
        if before.frame is None or after.frame is None or before.frame == after.frame:
            return None
        runs_on = (
            before.room is not None
            and after.lead is not None
            and before.room < min(after.lead, _FULL_LINE_ROOM)
        )
        if shapes.ends_open(text.draft.text) or runs_on:
            return self.open.get(id(text.draft), text)
        return None

    def paragraph(self, item: Typed, *, after_page_break: bool, carried: _Open | None) -> None:
        text = item.text
        target: _Open | None = None
        if self.open and shapes.starts_lowercase(text):
            target = next(iter(self.open.values()))
        elif carried is not None:
            target = carried
        elif self.open and after_page_break:
            target = next(reversed(self.open.values()))
        if target is None:
            draft = self.add(PassageKind.PARAGRAPH, text, item.start, item.end, item.refs)
            if shapes.ends_open(text):
                self.open[id(draft)] = _Open(draft, list(self.path))
                self.just_cut = True
            self.last_text = _Open(draft, list(self.path))
            return
        draft = target.draft
        draft.text = self.lexicon.join(draft.text, text)
        draft.end = item.end
        draft.refs.extend(item.refs)
        self.path = list(target.path)  # back in the column that paragraph lives in
        self._home_notes(item.refs)
        self.open.pop(id(draft), None)
        if shapes.ends_open(draft.text):
            self.open[id(draft)] = target  # now the newest
            self.just_cut = True
        self.last_text = target


def assemble(
    typed: list[Typed], outline: Outline, lexicon: Lexicon | None = None
) -> tuple[list[Draft], dict[str, str]]:
    """Turn a classified body into passage drafts and the report's judgments.

    `lexicon` decides line-end hyphens where a paragraph is rejoined.
    """
    walk = _Walk(outline, lexicon or Lexicon())
    for index, item in enumerate(typed):
        kind = item.kind
        after_page_break = walk.cut_by_notes
        carried = walk.carried(item) if kind is Kind.PARAGRAPH else None
        if kind not in (Kind.FOOTNOTE, Kind.NOTE_TAIL, Kind.SKIP):
            walk.just_cut = walk.cut_by_notes = False
            walk.last_body, walk.last_text = item, None
        if kind is Kind.HEADING:
            walk.heading(index, item)
        elif kind is Kind.GRADE:
            walk.grade(item)
        elif kind is Kind.FOOTNOTE:
            walk.footnote(item)
        elif kind is Kind.NOTE_TAIL:
            walk.note_tail(item)
        elif kind is Kind.CAPTION:
            walk.caption_block(item)
        elif kind is Kind.SOURCE:
            walk.source(item)
        elif kind is Kind.TABLE:
            walk.table(item)
        elif kind is Kind.LIST:
            walk.list_block(item)
        elif kind is Kind.FIGURE_VALUES:
            walk.figure_values(item)
        elif kind is Kind.PARAGRAPH:
            walk.paragraph(item, after_page_break=after_page_break, carried=carried)
    for draft in walk.drafts:
        if draft.kind == PassageKind.FOOTNOTE and draft.note_number in walk.note_homes:
            draft.section = walk.note_homes[draft.note_number]
    drafts = _absorb_short_paragraphs(walk.drafts)
    _quote_grade_statements(drafts)
    return drafts, walk.judgments


def _quote_grade_statements(drafts: list[Draft]) -> None:
    """Give each judgment the report's own sentence stating it, when one follows.

    The prose under a grade usually states it in words ("Wiltshire Police is
    good at …", "… overall the force requires improvement"); quoting that
    sentence makes the judgment self-explaining.
    """
    following: dict[tuple[str, ...], Draft] = {}  # the next paragraph of each section
    for draft in reversed(drafts):
        if draft.kind == PassageKind.PARAGRAPH:
            following[draft.section] = draft
            continue
        if draft.grade is None:
            continue
        paragraph = following.get(draft.section)
        if paragraph is None or paragraph.start < draft.end:
            continue
        first_word, *rest = draft.grade.lower().split()
        mention = re.compile(
            r"\b" + re.escape(first_word[:6]) + r"\w*" + "".join(r"\s+" + re.escape(w) for w in rest), re.I
        )
        sentences = (paragraph.text[a:b] for a, b in split_sentences(paragraph.text))
        statement = next((s for s in sentences if mention.search(s)), None)
        if statement:
            draft.text = f"{draft.text} {statement}"
            draft.end = paragraph.end


def _absorb_short_paragraphs(drafts: list[Draft]) -> list[Draft]:
    """Fold a stray paragraph of a few words into the prose before it."""
    kept: list[Draft] = []
    previous: Draft | None = None  # the last paragraph kept
    for draft in drafts:
        is_paragraph = draft.kind == PassageKind.PARAGRAPH
        short = is_paragraph and shapes.word_count(draft.text) < _MIN_PARAGRAPH_WORDS
        if short and previous is not None:
            previous.text = f"{previous.text} {draft.text}"
            previous.end = max(previous.end, draft.end)
            previous.refs.extend(draft.refs)
        elif not short:
            kept.append(draft)
            if is_paragraph:
                previous = draft
    return kept
