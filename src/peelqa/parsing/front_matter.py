"""The cover and contents: report metadata, the contents list, where the body starts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import shapes
from .blocks import Block
from .markers import clean_inline, strip_note_marks

__all__ = ["INSPECTION_KINDS", "FrontMatter", "inspection_kind", "read_front_matter"]

_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_MONTH_YEAR = re.compile(r"\b(" + "|".join(_MONTHS) + r")\s+((?:19|20)\d{2})\b", re.I)
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
_INSPECTION_OF = re.compile(r"\binspection of (?:the )?(?P<force>.+?)\s*$", re.I | re.M)
_FORCE_NAME = re.compile(
    r"\b((?:[A-Z][\w&'-]*\s+){0,4}?(?:Police(?: Service)?|Constabulary))\b"
)
_COVER_SHAPE = re.compile(r"^(?:©|\(c\)|ISBN|www\.|https?://|contents$|an inspection of)", re.I)
_CONTENTS = re.compile(r"^(?:table of )?contents$", re.I)
_TOC_SHARE = 0.6  # share of a block's lines that must read as contents entries
# The inspection types a PEEL title names: "PEEL: Police effectiveness 2015 (Vulnerability)".
INSPECTION_KINDS = ("effectiveness", "efficiency", "legitimacy", "leadership", "vulnerability")
_KIND = re.compile(r"\b(" + "|".join(INSPECTION_KINDS) + r")\b", re.I)
_KIND_IN_BRACKETS = re.compile(r"\(\s*(" + "|".join(INSPECTION_KINDS) + r")\s*\)", re.I)


@dataclass(frozen=True, kw_only=True)
class FrontMatter:
    title: str
    force: str
    year: int | None
    published: str | None  # "YYYY-MM"
    kind: str | None  # the inspection's type, where the title names one
    toc: tuple[tuple[str, int], ...]  # (heading, page) in contents order
    body_start: int  # index of the first body block
    cover_span: tuple[int, int] | None = None  # source offsets of the cover's blocks
    published_as: str | None = None  # the publication month as the cover writes it ("February 2016")
    inspection_of: str | None = None  # the cover's line naming the force ("An inspection of Wiltshire Police")


def _is_toc_block(block: Block, *, after_contents_heading: bool) -> bool:
    lines = [line.text for line in block.lines]
    entries = sum(1 for line in lines if shapes.toc_entry(line) or shapes.is_toc_line(line))
    if after_contents_heading:
        return entries == len(lines)
    return len(lines) >= 3 and entries / len(lines) >= _TOC_SHARE


def _toc_span(blocks: list[Block]) -> tuple[int, int] | None:
    first = next(
        (
            i
            for i, block in enumerate(blocks)
            if _is_toc_block(block, after_contents_heading=i > 0 and bool(_CONTENTS.match(blocks[i - 1].text)))
        ),
        None,
    )
    if first is None:
        return None
    last = first
    while last + 1 < len(blocks) and (
        _is_toc_block(blocks[last + 1], after_contents_heading=False)
        or _is_toc_block(blocks[last + 1], after_contents_heading=True)  # entries set apart by space
    ):
        last += 1
    return first, last


def _body_start_without_toc(blocks: list[Block]) -> int:
    """Without a contents list the cover is the title and the cover-shaped lines after it."""
    start = 1
    while start < len(blocks) and (
        _COVER_SHAPE.match(blocks[start].text) or _MONTH_YEAR.fullmatch(blocks[start].text.strip())
    ):
        start += 1
    return min(start, len(blocks))


def inspection_kind(title: str) -> str | None:
    """The type of inspection a title names: "effectiveness", …; None if none or several.

    A type in brackets narrows the one before it: "Police effectiveness 2015
    (Vulnerability)" is a vulnerability inspection.
    """
    if match := _KIND_IN_BRACKETS.search(title):
        return match.group(1).lower()
    named = {match.lower() for match in _KIND.findall(title)}
    return named.pop() if len(named) == 1 else None


def read_front_matter(blocks: list[Block]) -> FrontMatter:
    """Read title, force, year and publication month from the cover."""
    span = _toc_span(blocks)
    if span is not None:
        body_start = span[1] + 1
        toc = tuple(
            entry
            for block in blocks[span[0] : span[1] + 1]
            for line in block.lines
            if (entry := shapes.toc_entry(strip_note_marks(line.text)[0].strip()))
        )
        cover = blocks[: span[0]]
    else:
        body_start = _body_start_without_toc(blocks)
        toc = ()
        cover = blocks[:body_start]
    cover_text = "\n".join(block.text for block in cover)
    title = clean_inline(strip_note_marks(cover[0].text)[0]) if cover else ""

    force = ""
    inspection_of = None
    if match := _INSPECTION_OF.search(cover_text):
        force = match.group("force").rstrip(" .")
        inspection_of = cover_text[cover_text.rfind("\n", 0, match.start()) + 1 : match.end()].strip()
    elif match := _FORCE_NAME.search(title):
        force = match.group(1)

    published = published_as = None
    if match := _MONTH_YEAR.search(cover_text):
        month = _MONTHS.index(match.group(1).lower()) + 1
        published = f"{match.group(2)}-{month:02d}"
        published_as = f"{_MONTHS[month - 1].title()} {match.group(2)}"

    year: int | None = None
    if match := _YEAR.search(title):
        year = int(match.group(1))
    elif published:
        year = int(published[:4])

    return FrontMatter(
        title=title,
        force=force,
        year=year,
        published=published,
        kind=inspection_kind(title),
        toc=toc,
        body_start=body_start,
        cover_span=(cover[0].start, cover[-1].end) if cover else None,
        published_as=published_as,
        inspection_of=inspection_of,
    )
