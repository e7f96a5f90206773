"""The shipped report's text edition hard-wrapped, as `pdftotext` without `-layout` writes it.

Every paragraph, list item and footnote is wrapped at about 80 columns with
end-of-line hyphenation (the PDF builder's line breaker, counting characters),
blank lines stay between blocks, and pages end with a form feed: after the
cover, after the contents, after every run of footnotes (where the seed's
pages ended) and, on long pages, inside a paragraph. Each page after the
cover carries a running header and a page-number footer.

A page break inside a paragraph is placed after a line that does not end a
sentence: in plain text a break after a full stop on a full line cannot be
told from a paragraph's end, and this edition is meant to be unambiguous. For
the same reason there is none in the overview, which the seed text gives with
its two columns interleaved: a break there would make a page no layout has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pdfs import Token, wrap_words

from peelqa.parsing import shapes
from peelqa.parsing.blocks import Block, split_blocks
from peelqa.parsing.markers import footnote_head

__all__ = ["WrappedText", "wrap_text_edition"]

WIDTH = 80
PAGE_LINES = 58  # body lines on a page before a long paragraph is broken
_SENTENCE_END = re.compile(r"[.!?:][\"'”’)]*$")


@dataclass(frozen=True)
class WrappedText:
    text: str
    pages: dict[int, int]  # seed offset of each line → the page it starts on here


def _wrap(text: str, *, width: int = WIDTH) -> list[str]:
    def fits(line: list[Token]) -> bool:
        return len(" ".join(token.text for token in line)) <= width

    tokens = [Token(word) for word in text.split()]
    return [" ".join(token.text for token in line) for line in wrap_words(tokens, fits)]


def _is_note(block: Block) -> bool:
    return footnote_head(block.text) is not None or shapes.is_note_tail(block.text)


def wrap_text_edition(source: str, *, header: str) -> WrappedText:
    """Hard-wrap the seed text of a report; `header` is the running header."""
    blocks = split_blocks(source)
    contents = next(i for i, b in enumerate(blocks) if b.text.strip() == "Contents")
    introduction = next(i for i, b in enumerate(blocks) if i > contents + 1 and b.text == "Introduction")
    pages: dict[int, int] = {}
    out: list[str] = []  # the lines of the current page's body
    finished: list[str] = []
    page = 1

    def end_page() -> None:
        nonlocal page, out
        lines = list(out)
        while lines and not lines[-1]:
            lines.pop()
        if page > 1:
            lines = [header, "", *lines, "", str(page)]
        finished.append("\n".join(lines) + "\n")
        out = []
        page += 1

    for index, block in enumerate(blocks):
        if out:
            out.append("")
        prose = index > contents + 1 and not any("\t" in line.text for line in block.lines)
        for line in block.lines:
            pages[line.start] = page
            if not prose or shapes.is_toc_line(line.text):
                out.append(line.text)
                continue
            wrapped = _wrap(line.text)
            breakable = (
                index > introduction
                and len(wrapped) >= 3
                and not _is_note(block)
                and not shapes.is_list_line(line.text)
            )
            for n, piece in enumerate(wrapped):
                out.append(piece)
                last = n == len(wrapped) - 1
                if breakable and len(out) >= PAGE_LINES and not last and not _SENTENCE_END.search(piece):
                    end_page()
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if index in (contents - 1, contents + 1) or (
            _is_note(block) and following is not None and not _is_note(following)
        ):
            end_page()
    if out:
        end_page()
    return WrappedText("\f".join(finished), pages)
