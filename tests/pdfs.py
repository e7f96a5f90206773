"""Draw PEEL-style report PDFs for the tests, with the ground truth beside them.

`build_pdf` typesets a `Document` the way published PEEL reports are set: A4,
a running header and a page-number footer on every page after the cover,
footnotes in a smaller font at the foot of the page that cites them, raised
footnote references, lines hard-wrapped with end-of-line hyphenation (pyphen),
ﬁ/ﬂ drawn as ligature glyphs, every word drawn on its own with no space glyphs
and in shuffled order, chosen sections on two-column pages, larger bold
headings, bullets, tables drawn as cells, charts, and "Force in numbers"
figures. `wiltshire_document` turns the shipped report (as the seed text's
parse gives it) into such a document; the result says, for every body
paragraph, the text the parse should give and the page it starts on.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import pyphen
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from peelqa.parsing import ParsedReport, shapes
from peelqa.parsing.blocks import split_blocks
from peelqa.parsing.markers import clean_inline, strip_note_marks
from peelqa.records import Passage

__all__ = [
    "BODY_KINDS",
    "BuiltPdf",
    "Document",
    "build_pdf",
    "scores",
    "wiltshire_document",
    "wrap_words",
]

REGULAR, BOLD = "Vera", "VeraBd"
pdfmetrics.registerFont(TTFont(REGULAR, "Vera.ttf"))
pdfmetrics.registerFont(TTFont(BOLD, "VeraBd.ttf"))

PAGE_W, PAGE_H = A4
LEFT, RIGHT = 70.0, 70.0
TEXT_W = PAGE_W - LEFT - RIGHT
GUTTER = 22.0
TOP = PAGE_H - 72.0  # first baseline of the body
BOTTOM = 64.0  # lowest baseline of the body (footnotes included)
HEADER_Y, FOOTER_Y = PAGE_H - 42.0, 34.0

BODY = 10.5
NOTE = 8.0
SUPER_SCALE, SUPER_RISE = 0.62, 0.36  # footnote references, relative to the text size
LIGATURES = (("fi", "\ufb01"), ("fl", "\ufb02"))  # the glyphs Vera has

_HYPHENATOR = pyphen.Pyphen(lang="en_GB")


# -- the document -------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """A word as drawn, with the footnote reference raised after it."""

    text: str
    sup: str | None = None


@dataclass
class Heading:
    text: str
    depth: int  # 0 a chapter (new page), 1 a section, 2 a sub-section
    sup: str | None = None


@dataclass
class Grade:
    text: str


@dataclass
class Paragraph:
    tokens: list[Token]
    expected: str | None = None  # the passage text the parse should give
    kind: str = "paragraph"


@dataclass
class Bullets:
    items: list[tuple[str, Paragraph]]  # marker ("•", "1.") and the item


@dataclass
class Table:
    caption: list[Token]
    rows: list[list[str]]
    source: str | None = None


@dataclass
class Chart:
    caption: list[Token]
    source: str | None = None


@dataclass
class Numbers:
    """A "Force in numbers" figure: a label and name/value pairs."""

    label: str
    pairs: list[tuple[str, str]]


Item = Heading | Grade | Paragraph | Bullets | Table | Chart | Numbers


@dataclass
class Document:
    title: str
    cover: list[tuple[str, float]]  # lines of the cover page and their sizes
    items: list[Item]
    notes: dict[int, str] = field(default_factory=dict)
    header: str = ""
    contents: list[str] = field(default_factory=list)  # headings listed on a contents page
    two_column: frozenset[str] = frozenset()  # chapters set in two columns
    label: Callable[[int], str | None] = str  # the printed number of a page (None: none)


@dataclass(frozen=True)
class Truth:
    text: str
    kind: str
    page: int


@dataclass(frozen=True)
class BuiltPdf:
    data: bytes
    truths: tuple[Truth, ...]  # every body paragraph, list item and "Force in numbers" figure, in order
    pages: int


# -- measuring and wrapping ---------------------------------------------------


def drawn(text: str) -> str:
    for plain, glyph in LIGATURES:
        text = text.replace(plain, glyph)
    return text


def width(text: str, font: str = REGULAR, size: float = BODY) -> float:
    return pdfmetrics.stringWidth(drawn(text), font, size)


def _token_width(token: Token, font: str, size: float) -> float:
    extra = width(token.sup, font, size * SUPER_SCALE) if token.sup else 0.0
    return width(token.text, font, size) + extra


def _splits(word: str) -> Iterator[tuple[str, str]]:
    """Ways to break a word at the end of a line, longest first part first."""
    core = word.rstrip(".,;:?!)’'\"”")
    tail = word[len(core) :]
    if "-" in core:  # a compound breaks only at its own hyphens
        parts = core.split("-")
        for i in range(len(parts) - 1, 0, -1):
            yield "-".join(parts[:i]) + "-", "-".join(parts[i:]) + tail
        return
    if not core.isalpha() or len(core) < 6 or not core[1:].islower():
        return  # as word processors do, no acronyms ("MAPPAs")
    for left, right in _HYPHENATOR.iterate(core):
        if len(left) >= 2 and len(right) >= 3:
            yield left + "-", right + tail


def wrap_words(
    tokens: Sequence[Token], fits: Callable[[list[Token]], bool]
) -> list[list[Token]]:
    """Greedy line filling with hyphenation: `fits(line)` says whether a line fits."""
    lines: list[list[Token]] = []
    line: list[Token] = []
    queue = list(tokens)
    while queue:
        token = queue.pop(0)
        if fits([*line, token]):
            line.append(token)
            continue
        for left, right in _splits(token.text):
            if fits([*line, Token(left)]):
                line.append(Token(left))
                queue.insert(0, Token(right, token.sup))
                break
        else:
            if line:
                queue.insert(0, token)
            else:
                line.append(token)  # too long for any line: let it overflow
        lines.append(line)
        line = []
    if line:
        lines.append(line)
    return lines


def tokens_of(text: str, sups: dict[int, str] | None = None) -> list[Token]:
    """Words of `text`; `sups` maps the end offset of a word to the reference raised after it."""
    sups = sups or {}
    return [Token(m.group(), sups.get(m.end())) for m in re.finditer(r"\S+", text)]


# -- typesetting --------------------------------------------------------------


@dataclass
class Run:
    x: float
    text: str
    font: str
    size: float
    rise: float = 0.0


@dataclass
class Box:
    """One line (or a graphic) as it will be placed: height, runs and what it cites."""

    height: float
    runs: list[Run] = field(default_factory=list)
    before: float = 0.0  # space above, dropped at the top of a column
    keep: bool = False  # keep with the next box
    notes: list[int] = field(default_factory=list)
    truth: Truth | None = None  # set on the first line of a body paragraph
    heading: str | None = None  # set on the first line of a heading
    chapter: bool = False  # a line of a chapter heading
    graphic: Callable[[canvas.Canvas, float, float, float], None] | None = None
    width: float = 0.0


def _line_runs(line: list[Token], font: str, size: float, x0: float = 0.0) -> list[Run]:
    runs: list[Run] = []
    x = x0
    space = width(" ", font, size)
    for token in line:
        runs.append(Run(x, token.text, font, size))
        x += width(token.text, font, size)
        if token.sup:
            runs.append(Run(x, token.sup.replace(" ", ","), font, size * SUPER_SCALE, size * SUPER_RISE))
            x += width(token.sup.replace(" ", ","), font, size * SUPER_SCALE)
        x += space
    return runs


def _notes_in(line: list[Token]) -> list[int]:
    return [int(n) for token in line if token.sup for n in re.findall(r"\d+", token.sup)]


def _text_boxes(
    tokens: list[Token],
    measure: float,
    *,
    font: str = REGULAR,
    size: float = BODY,
    leading: float | None = None,
    before: float = 0.0,
    indent: float = 0.0,
    first: list[Run] | None = None,
) -> list[Box]:
    leading = leading or size * 1.3
    space = width(" ", font, size)

    def fits(line: list[Token]) -> bool:
        used = sum(_token_width(t, font, size) for t in line) + space * (len(line) - 1)
        return used <= measure - indent

    boxes = []
    for i, line in enumerate(wrap_words(tokens, fits)):
        runs = _line_runs(line, font, size, indent)
        if i == 0 and first:
            runs = first + runs
        boxes.append(Box(leading, runs, before if i == 0 else 0.0, notes=_notes_in(line)))
    return boxes


def _chart(c: canvas.Canvas, x: float, y: float, w: float) -> None:
    """Bars, no text: the reader must find nothing here."""
    c.setFillColorRGB(0.2, 0.4, 0.6)
    rng = random.Random(int(y))
    bars = 14
    for i in range(bars):
        h = rng.uniform(10, 90)
        c.rect(x + i * w / bars + 2, y + 4, w / bars - 4, h, fill=1, stroke=0)
    c.setFillColorRGB(0, 0, 0)


def _boxes(item: Item, measure: float) -> list[Box]:
    """Lay out one item in a column `measure` points wide."""
    if isinstance(item, Heading):
        size = (15.0, 12.0, 10.5)[item.depth]
        tokens = tokens_of(item.text)
        tokens[-1] = Token(tokens[-1].text, item.sup)
        boxes = _text_boxes(
            tokens,
            measure,
            font=BOLD,
            size=size,
            before=(0.0, 14.0, 9.0)[item.depth],
        )
        for box in boxes:
            box.keep = True
            box.chapter = item.depth == 0
        boxes[0].heading = item.text
        return boxes
    if isinstance(item, Grade):
        return [Box(20.0, [Run(0.0, item.text, BOLD, 13.0)], before=4.0, keep=True)]
    if isinstance(item, Paragraph):
        boxes = _text_boxes(item.tokens, measure, before=6.5)
        if item.expected is not None:
            boxes[0].truth = Truth(item.expected, item.kind, 0)
        return boxes
    if isinstance(item, Bullets):
        boxes = []
        for n, (marker, para) in enumerate(item.items):
            lines = _text_boxes(
                para.tokens,
                measure,
                indent=14.0,
                before=6.5 if n == 0 else 3.0,
                first=[Run(0.0, marker, REGULAR, BODY)],
            )
            if para.expected is not None:
                lines[0].truth = Truth(para.expected, "list_item", 0)
            boxes.extend(lines)
        return boxes
    if isinstance(item, Chart):
        boxes = _text_boxes(item.caption, measure, font=BOLD, size=9.0, before=8.0)
        for box in boxes:
            box.keep = True
        boxes.append(Box(104.0, graphic=_chart, width=measure, keep=item.source is not None))
        if item.source:
            boxes.append(Box(11.0, [Run(0.0, item.source, REGULAR, 7.5)], before=2.0))
        return boxes
    if isinstance(item, Table):
        return _table_boxes(item, measure)
    if isinstance(item, Numbers):
        boxes = _text_boxes(tokens_of(item.label), measure, size=9.0, before=10.0)
        boxes[0].truth = Truth(f"{item.label}: " + "; ".join(f"{n} {v}" for n, v in item.pairs), "figure", 0)
        for box in boxes:
            box.keep = True
        for n, (name, value) in enumerate(item.pairs):
            last = n == len(item.pairs) - 1
            boxes.append(Box(12.0, [Run(0.0, name, REGULAR, 8.0)], before=3.0, keep=True))
            boxes.append(Box(19.0, [Run(0.0, value, BOLD, 15.0)], keep=not last))
        return boxes
    raise TypeError(item)


def _table_boxes(table: Table, measure: float) -> list[Box]:
    boxes = _text_boxes(table.caption, measure, font=BOLD, size=9.0, before=8.0)
    for box in boxes:
        box.keep = True
    columns = len(table.rows[0])
    size = 8.0
    while True:
        widths = [
            max(width(row[i] if i < len(row) else "", BOLD if r == 0 else REGULAR, size) for r, row in enumerate(table.rows))
            for i in range(columns)
        ]
        pad = 2.2 * size
        if sum(widths) + pad * columns <= measure or size < 5:
            break
        size -= 0.5
    xs = [sum(widths[:i]) + pad * i + 3.0 for i in range(columns)]

    def rule(c: canvas.Canvas, x: float, y: float, w: float) -> None:
        c.setLineWidth(0.4)
        c.line(x, y + size * 1.55, x + w, y + size * 1.55)

    for r, row in enumerate(table.rows):
        font = BOLD if r == 0 else REGULAR
        runs = [Run(xs[i], cell, font, size) for i, cell in enumerate(row) if cell]
        boxes.append(Box(size * 1.9, runs, before=4.0 if r == 0 else 0.0, keep=r < len(table.rows) - 1,
                         graphic=rule, width=sum(widths) + pad * columns))
    if table.source:
        boxes.append(Box(11.0, [Run(0.0, table.source, REGULAR, 7.5)], before=3.0))
    return boxes


# -- pagination ---------------------------------------------------------------


@dataclass
class _Page:
    number: int
    columns: int
    placed: list[tuple[Box, float, float]] = field(default_factory=list)  # box, x, baseline
    notes: list[int] = field(default_factory=list)


@dataclass
class _Layout:
    document: Document
    pages: list[_Page] = field(default_factory=list)
    column: int = 0
    y: float = TOP  # baseline of the next box
    fresh: bool = True  # nothing placed in this column yet
    note_boxes: dict[int, list[Box]] = field(default_factory=dict)
    placed_notes: set[int] = field(default_factory=set)
    top: float = TOP  # where columns start on this page

    def note_height(self, numbers: Sequence[int]) -> float:
        total = 0.0
        for n in numbers:
            total += sum(b.height for b in self.note_lines(n)) + 3.0
        return total + (10.0 if numbers else 0.0)

    def note_lines(self, number: int) -> list[Box]:
        if number not in self.note_boxes:
            text = self.document.notes[number]
            self.note_boxes[number] = _text_boxes(
                tokens_of(text), TEXT_W, size=NOTE, leading=NOTE * 1.25,
                first=[Run(0.0, str(number), REGULAR, NOTE * SUPER_SCALE, NOTE * SUPER_RISE)], indent=9.0,
            )
        return self.note_boxes[number]

    @property
    def page(self) -> _Page:
        return self.pages[-1]

    def new_page(self, columns: int) -> None:
        first = 3 if self.document.contents else 2  # after the cover and the contents
        self.pages.append(_Page(len(self.pages) + first, columns))
        self.column, self.y, self.fresh, self.top = 0, TOP, True, TOP

    def floor(self, extra_notes: Sequence[int] = ()) -> float:
        return BOTTOM + self.note_height([*self.page.notes, *extra_notes])

    def measure(self) -> float:
        return TEXT_W if self.page.columns == 1 else (TEXT_W - GUTTER) / 2

    def x(self) -> float:
        return LEFT + self.column * ((TEXT_W + GUTTER) / 2)

    def next_column(self) -> None:
        if self.page.columns == 2 and self.column == 0:
            self.column, self.y, self.fresh = 1, self.top, True
        else:
            self.new_page(self.page.columns)

    def fits(self, boxes: Sequence[Box]) -> bool:
        y = self.y
        notes: list[int] = []
        for i, box in enumerate(boxes):
            y -= (0.0 if self.fresh and i == 0 else box.before) + box.height
            notes += [n for n in box.notes if n not in self.placed_notes and n not in notes]
        floor = self.floor(notes)
        if self.page.columns == 2 and self.column == 1 and notes:
            # the notes span both columns: the left one must stay clear of them
            lowest_left = min((yy for b, xx, yy in self.page.placed if xx < LEFT + 1 and b.runs), default=TOP)
            if lowest_left - 4 < floor:
                return False
        return y >= floor

    def place(self, box: Box) -> None:
        self.y -= (0.0 if self.fresh else box.before) + box.height
        self.page.placed.append((box, self.x(), self.y + box.height * 0.25))
        self.fresh = False
        for n in box.notes:
            if n not in self.placed_notes:
                self.placed_notes.add(n)
                self.page.notes.append(n)


def _groups(boxes: list[Box]) -> list[list[Box]]:
    """Boxes that must stay together: a heading with what follows it, a box with its graphic."""
    groups: list[list[Box]] = []
    current: list[Box] = []
    for box in boxes:
        current.append(box)
        if not box.keep:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _paginate(document: Document) -> _Layout:
    layout = _Layout(document)
    boxes_by_chapter: list[tuple[str, list[Box]]] = []
    chapter = ""
    for item in document.items:
        if isinstance(item, Heading) and item.depth == 0:
            chapter = item.text
            boxes_by_chapter.append((chapter, []))
        if not boxes_by_chapter:
            boxes_by_chapter.append((chapter, []))
        columns = 2 if chapter in document.two_column else 1
        measure = TEXT_W if columns == 1 or (isinstance(item, Heading) and item.depth == 0) else (TEXT_W - GUTTER) / 2
        boxes_by_chapter[-1][1].extend(_boxes(item, measure))
    for chapter, boxes in boxes_by_chapter:
        columns = 2 if chapter in document.two_column else 1
        layout.new_page(columns)
        rest = boxes
        if columns == 2 and rest and rest[0].heading == chapter:
            # the chapter heading runs across both columns at the top
            head = [b for b in rest if b.chapter]
            for box in head:
                layout.page.placed.append((box, LEFT, layout.y - box.height + box.height * 0.25))
                layout.y -= box.height
            layout.y -= 10.0
            layout.top = layout.y
            layout.fresh = True
            rest = rest[len(head) :]
        for group in _groups(rest):
            if not layout.fits(group) and not layout.fresh:
                layout.next_column()
            for box in group:  # a group taller than a column goes line by line
                if not layout.fits([box]):
                    layout.next_column()
                layout.place(box)
    return layout


# -- drawing ------------------------------------------------------------------


def _draw_runs(ops: list[Callable[[canvas.Canvas], None]], runs: list[Run], x: float, y: float) -> None:
    for run in runs:
        for word in re.finditer(r"\S+", run.text):
            dx = width(run.text[: word.start()], run.font, run.size)

            def op(c: canvas.Canvas, run: Run = run, word: str = word.group(), dx: float = dx) -> None:
                c.setFont(run.font, run.size)
                c.drawString(x + run.x + dx, y + run.rise, drawn(word))

            ops.append(op)


def _draw_page(c: canvas.Canvas, page: _Page, document: Document, layout_notes: Callable[[int], list[Box]]) -> None:
    ops: list[Callable[[canvas.Canvas], None]] = []
    graphics: list[Callable[[canvas.Canvas], None]] = []
    for box, x, y in page.placed:
        _draw_runs(ops, box.runs, x, y)
        if box.graphic is not None:
            graphic = box.graphic
            graphics.append(lambda c, g=graphic, x=x, y=y - box.height * 0.25, w=box.width: g(c, x, y, w))
    if document.header:
        _draw_runs(ops, [Run(0.0, document.header, REGULAR, 8.0)], LEFT, HEADER_Y)
    label = document.label(page.number)
    if label:
        _draw_runs(ops, [Run(0.0, label, REGULAR, 8.0)], PAGE_W / 2 - width(label, REGULAR, 8.0) / 2, FOOTER_Y)
    if page.notes:
        y = BOTTOM + sum(sum(b.height for b in layout_notes(n)) + 3.0 for n in page.notes)
        graphics.append(lambda c, y=y: (c.setLineWidth(0.5), c.line(LEFT, y + 6, LEFT + 120, y + 6)))
        for n in page.notes:
            for box in layout_notes(n):
                y -= box.height
                _draw_runs(ops, box.runs, LEFT, y + 2.0)
            y -= 3.0
    for graphic in graphics:
        graphic(c)
    random.Random(page.number).shuffle(ops)  # stored order means nothing
    for op in ops:
        op(c)
    c.showPage()


def build_pdf(document: Document, *, compress: bool = True) -> BuiltPdf:
    """Typeset `document`; return the PDF and where each body paragraph starts.

    `compress=False` leaves the page streams readable, for tests that garble them.
    """
    layout = _paginate(document)
    pages = layout.pages
    truths: list[Truth] = []
    heading_pages: list[tuple[str, int]] = []
    for page in pages:
        for box, _, _ in page.placed:
            if box.truth is not None:
                truths.append(Truth(box.truth.text, box.truth.kind, page.number))
            if box.heading is not None:
                heading_pages.append((box.heading, page.number))

    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1 if compress else 0)
    c.setTitle(document.title)
    ops: list[Callable[[canvas.Canvas], None]] = []
    y = PAGE_H - 250.0
    for text, size in document.cover:
        font = BOLD if size >= 14 else REGULAR
        for box in _text_boxes(tokens_of(text), TEXT_W, font=font, size=size):
            _draw_runs(ops, box.runs, LEFT, y)
            y -= box.height
        y -= size * 1.6
    for op in ops:
        op(c)
    c.showPage()
    if document.contents:
        _draw_contents(c, document, heading_pages)
    for page in pages:
        _draw_page(c, page, document, layout.note_lines)
    c.save()
    return BuiltPdf(buffer.getvalue(), tuple(truths), pages[-1].number if pages else 1)


def _draw_contents(c: canvas.Canvas, document: Document, heading_pages: list[tuple[str, int]]) -> None:
    ops: list[Callable[[canvas.Canvas], None]] = []
    _draw_runs(ops, [Run(0.0, "Contents", BOLD, 15.0)], LEFT, TOP)
    y = TOP - 30.0
    at = 0
    for title in document.contents:
        key = shapes.normalise_heading(title)
        found = next(
            (i for i in range(at, len(heading_pages)) if shapes.normalise_heading(heading_pages[i][0]) == key), None
        )
        page = heading_pages[found][1] if found is not None else 0
        at = found + 1 if found is not None else at
        label = document.label(page) or str(page)
        lines = _text_boxes(tokens_of(title), TEXT_W - 50.0, size=9.5, leading=12.5)
        for i, box in enumerate(lines):
            _draw_runs(ops, box.runs, LEFT, y)
            if i == len(lines) - 1:
                end = LEFT + max(r.x + width(r.text, r.font, r.size) for r in box.runs) + 4.0
                number_x = PAGE_W - RIGHT - width(label, REGULAR, 9.5)
                dots = "." * max(int((number_x - 6.0 - end) / width(".", REGULAR, 9.5)), 3)
                _draw_runs(ops, [Run(0.0, dots, REGULAR, 9.5)], end, y)
                _draw_runs(ops, [Run(0.0, label, REGULAR, 9.5)], number_x, y)
            y -= box.height
        y -= 3.0
    if document.header:
        _draw_runs(ops, [Run(0.0, document.header, REGULAR, 8.0)], LEFT, HEADER_Y)
    label = document.label(2)
    if label:
        _draw_runs(ops, [Run(0.0, label, REGULAR, 8.0)], PAGE_W / 2 - width(label, REGULAR, 8.0) / 2, FOOTER_Y)
    for op in ops:
        op(c)
    c.showPage()


# -- scoring a parse against the truth -----------------------------------------

BODY_KINDS = ("paragraph", "list_item")


def _normal(text: str) -> str:
    return " ".join(text.split())


def scores(built: BuiltPdf, passages: Sequence[Passage]) -> tuple[float, float]:
    """Share of body paragraphs on the right page, and share that came out whole and identical.

    Each paragraph of the truth, in order, is looked for in the passages from
    where the last one was found: the passage holding its opening words is
    the one that cites it (a paragraph wrongly merged into the one before is
    found there, on that one's page).
    """
    body = [p for p in passages if p.kind in BODY_KINDS]
    truths = [t for t in built.truths if t.kind in BODY_KINDS]
    at = right_page = identical = 0
    for truth in truths:
        opening = " ".join(truth.text.split()[:12])
        found = next((i for i in range(at, len(body)) if opening in _normal(body[i].text)), None)
        if found is None:
            continue
        at = found
        right_page += body[found].page == truth.page
        identical += _normal(body[found].text) == _normal(truth.text) and body[found].kind == truth.kind
    return right_page / len(truths), identical / len(truths)


# -- the shipped report as a document ----------------------------------------

_MARK = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\^\{\s*\d+(?:[\s,]+\d+)*\s*\}")
_CONTEXT = 24


@dataclass
class _Mark:
    context: str  # the clean text just before the reference
    numbers: tuple[int, ...]
    used: bool = False

    @property
    def sup(self) -> str:
        return " ".join(str(n) for n in self.numbers)


def _marks(source: str) -> list[_Mark]:
    """Every footnote reference in the seed text, with the text just before it."""
    marks = []
    for line in source.splitlines():
        line = line.strip()
        if _MARK.match(line):
            line = _MARK.sub("", line, count=1)  # a footnote's own number
        for match in _MARK.finditer(line):
            before = clean_inline(strip_note_marks(line[: match.start()])[0])
            marks.append(_Mark(before[-_CONTEXT:], strip_note_marks(match.group())[1]))
    return marks


def _tokens_with_marks(text: str, marks: list[_Mark], refs: Sequence[int]) -> list[Token]:
    sups: dict[int, str] = {}
    for mark in marks:
        if mark.used or not set(mark.numbers) <= set(refs) or not mark.context:
            continue
        at = text.find(mark.context)
        if at >= 0:
            sups[at + len(mark.context)] = mark.sup
            mark.used = True
    return tokens_of(text, sups)


def wiltshire_document(source: str, parsed: ParsedReport) -> Document:
    """The shipped report as a document to typeset, from its seed text and that text's parse."""
    marks = _marks(source)
    blocks = split_blocks(source)
    contents_at = next(i for i, b in enumerate(blocks) if b.text == "Contents")
    cover_lines = [b.text for b in blocks[:contents_at]]
    cover = [(text, 26.0 if i == 0 else 15.0 if i == 1 else 10.0) for i, text in enumerate(cover_lines)]
    contents = [
        entry[0]
        for line in blocks[contents_at + 1].lines
        if (entry := shapes.toc_entry(strip_note_marks(line.text)[0].strip()))
    ]

    items: list[Item] = []
    path: tuple[str, ...] = ()
    passages = parsed.passages
    i = 0
    while i < len(passages):
        passage = passages[i]
        if passage.kind == "footnote":
            i += 1
            continue
        section = passage.section
        if section != path:
            common = 0
            while common < min(len(path), len(section)) and path[common] == section[common]:
                common += 1
            for depth in range(common, len(section)):
                heading = section[depth]
                sup = next(
                    (m for m in marks if not m.used and m.context and heading.endswith(m.context)), None
                )
                if sup is not None:
                    sup.used = True
                items.append(Heading(heading, min(depth, 2), sup.sup if sup else None))
            path = section
        if passage.kind == "judgment":
            items.append(Grade(passage.grade or ""))
        elif passage.kind == "paragraph":
            items.append(Paragraph(_tokens_with_marks(passage.text, marks, passage.note_refs), passage.text))
        elif passage.kind == "list_item":
            bullets: list[tuple[str, Paragraph]] = []
            while i < len(passages) and passages[i].kind == "list_item" and passages[i].section == section:
                item = passages[i]
                raw = source[item.start : item.end]
                marker = "•" if raw.startswith(("-", "•")) else raw.split()[0]
                bullets.append(
                    (marker, Paragraph(_tokens_with_marks(item.text, marks, item.note_refs), item.text, "list_item"))
                )
                i += 1
            items.append(Bullets(bullets))
            continue
        elif passage.kind == "table":
            start = passage.start
            last = passage
            while i + 1 < len(passages) and passages[i + 1].kind == "table" and passages[i + 1].start == start:
                i += 1
                last = passages[i]
            span = source[start : last.end]
            caption_text, caption_refs = strip_note_marks(span.split("\n", 1)[0])
            caption_text = clean_inline(caption_text)
            rows = [line.split("\t") for line in span.splitlines() if "\t" in line]
            after = source[last.end : last.end + 200].strip().split("\n", 1)[0].strip()
            items.append(
                Table(
                    _tokens_with_marks(caption_text, marks, caption_refs),
                    [[clean_inline(cell) for cell in row] for row in rows],
                    after if shapes.is_source_line(after) else None,
                )
            )
        elif passage.kind == "figure" and shapes.caption_match(passage.text):
            caption, _, source_note = passage.text.partition(" (Source: ")
            items.append(
                Chart(
                    _tokens_with_marks(caption, marks, passage.note_refs),
                    f"Source: {source_note[:-1]}" if source_note else None,
                )
            )
        elif passage.kind == "figure":
            label, _, values = passage.text.rpartition(": ")
            pairs = [tuple(pair.rsplit(" ", 1)) for pair in values.split("; ")]
            items.append(Numbers(label, [(name, value) for name, value in pairs]))
        i += 1

    notes = {p.note_number: p.text for p in passages if p.kind == "footnote" and p.note_number is not None}
    force = parsed.report.force
    return Document(
        title=parsed.report.title,
        cover=cover,
        items=items,
        notes=notes,
        header=f"{parsed.report.title} – {force}",
        contents=contents,
        two_column=frozenset(
            heading for heading in (p.section[0] for p in passages if p.section)
            if heading.startswith("Overview") or heading in ("Introduction", "Force in numbers")
        ),
    )
