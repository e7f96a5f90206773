"""Undo line wrapping: one place for text and PDF sources alike.

A block's physical lines become logical lines: the hard-wrapped lines of a
paragraph are joined into one, while list items, table rows and contents
entries keep a line each. Joining mends end-of-line hyphenation ("inves-" +
"tigating") but keeps real hyphens ("anti-" + "social"); which is which is
read from the document itself (`Lexicon`), not from a word list. The same
join mends paragraphs that a page or column break cut in two.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from . import shapes
from .blocks import Block, Line
from .markers import footnote_head

__all__ = ["Lexicon", "unwrap"]

_TOKEN = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_HYPHENATED_END = re.compile(r"([A-Za-z]+)-$")
_ANY_HYPHEN_END = re.compile(r"\w-$")
_LEADING_WORD = re.compile(r"^[A-Za-z]+")
_URL_END = re.compile(r"^\W*(?:https?://|www\.)\S*[/_\-=&?#]$")
_PREFIX = 4  # letters of the second half that still count as the same word
_TAIL = 300  # the end of a line that decides how the next one joins it: its last word


@dataclass
class Lexicon:
    """How the document spells words, to decide what a line-end hyphen is.

    Counts words and hyphenated compounds (as pairs of neighbouring parts),
    leaving out the pieces a line-end hyphen may have made: a line's last
    word when it ends in a hyphen, and a first word in lower case.
    """

    words: Counter[str] = field(default_factory=Counter)
    compounds: dict[str, Counter[str]] = field(default_factory=dict)  # left part -> right parts
    rights: Counter[str] = field(default_factory=Counter)
    _sorted: list[str] | None = field(default=None, repr=False, compare=False)
    _cumulative: list[int] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def of_lines(cls, lines: Iterable[str]) -> Lexicon:
        lexicon = cls()
        for line in lines:
            tokens = _TOKEN.findall(line)
            if tokens and line.rstrip().endswith("-"):
                tokens.pop()  # the first half of a word broken at the line end
            if tokens and tokens[0][0].islower():
                tokens.pop(0)  # perhaps the second half of one
            for token in tokens:
                lexicon.add(token.lower())
        return lexicon

    def add(self, token: str) -> None:
        parts = token.split("-")
        if len(parts) == 1:
            self.words[token] += 1
            self._sorted = None
            return
        for left, right in zip(parts, parts[1:], strict=False):
            self.compounds.setdefault(left, Counter())[right] += 1
            self.rights[right] += 1

    def _words_starting(self, prefix: str) -> int:
        if self._sorted is None:
            self._sorted = sorted(self.words)
            self._cumulative = [0]
            for word in self._sorted:
                self._cumulative.append(self._cumulative[-1] + self.words[word])
        low = bisect_left(self._sorted, prefix)
        high = bisect_left(self._sorted, prefix + "\uffff")
        return self._cumulative[high] - self._cumulative[low]

    def keeps_hyphen(self, left: str, right: str, *, capital: bool = False) -> bool:
        """Whether "left-" at a line end and "right" after it are a compound.

        Evidence first: the compound or the joined word elsewhere in the
        document, then either one begun the same way ("co-ordinators" for
        "co-" + "ordinate", "investigation" for "inves-" + "tigating"). Short
        of that, the hyphen joins parts the document knows: it is kept before
        a capital (`capital`), after a word that starts other compounds
        ("two-" as in "two-year", so "two-" + "thirds"), and before a word
        when the part before it is a word too or starts other compounds
        ("re-" as in "re-offending", so "re-" + "named", but not "pre-" +
        "paration"). Anything else was hyphenated to fit the line.
        """
        left, right = left.lower(), right.lower()
        partners = self.compounds.get(left, Counter())
        hyphened, joined = partners[right], self.words[left + right]
        if hyphened or joined:
            return hyphened >= joined
        stem = right[:_PREFIX]
        hyphened = sum(n for part, n in partners.items() if part.startswith(stem))
        joined = self._words_starting(left + stem)
        if hyphened or joined:
            return hyphened >= joined
        if capital or (self.words[left] and partners):
            return True
        return bool(self.words[right] and (partners or self.rights[right] or self.words[left]))

    def joint(self, left: str, right: str) -> tuple[int, str]:
        """How `right` continues `left`: how many characters `left` loses at its end, and what goes between.

        Only the end of `left` is read, so joining many lines costs no more than their length.
        """
        if not left or not right:
            return 0, ""
        tail = left[-_TAIL:]
        tail = tail[max(tail.rfind(" "), tail.rfind("\t")) + 1 :]  # the last word is all that counts
        if _URL_END.search(tail):
            return 0, ""  # an address broken across lines has no space in it
        end = _HYPHENATED_END.search(tail)
        first = _LEADING_WORD.match(right)
        if end and first:
            if self.keeps_hyphen(end.group(1), first.group(), capital=right[0].isupper()):
                return 0, ""
            return 1, ""
        if _ANY_HYPHEN_END.search(tail) and right[:1].isalnum():
            return 0, ""  # "2013-" + "17", "non-" + "UK"
        return 0, " "

    def join(self, left: str, right: str) -> str:
        """Join two pieces of one paragraph cut at a line, column or page end."""
        cut, between = self.joint(left, right)
        return left[: len(left) - cut] + between + right


def _starts_logical_line(previous: str, line: str, *, contents: bool) -> bool:
    """Whether `line` starts a logical line of its own rather than continuing `previous`.

    In a contents list (`contents`) an entry may wrap: its last line carries
    the page number, tab and all.
    """
    if shapes.is_toc_line(previous):  # a contents entry ends with its page number
        return True
    if "\t" in line:
        wrapped_entry = contents and "\t" not in previous and shapes.toc_entry(line) is not None
        return not wrapped_entry
    return "\t" in previous or shapes.is_list_line(line) or footnote_head(line) is not None


def _merge(lines: list[Line], lexicon: Lexicon) -> Line:
    if len(lines) == 1:
        return lines[0]
    parts = [lines[0].text]
    for line in lines[1:]:
        cut, between = lexicon.joint(parts[-1], line.text)
        if cut:
            parts[-1] = parts[-1][:-cut]
        parts += [between, line.text]
    first, last = lines[0], lines[-1]
    return replace(first, text="".join(parts), end=last.end, room=last.room)


def unwrap(block: Block, lexicon: Lexicon) -> list[Block]:
    """The block with its wrapped lines joined, cut before any footnote that starts inside it."""
    contents = sum(1 for line in block.lines if shapes.is_toc_line(line.text)) >= 2
    groups: list[list[Line]] = []
    for line in block.lines:
        if groups and not _starts_logical_line(groups[-1][-1].text, line.text, contents=contents):
            groups[-1].append(line)
        else:
            groups.append([line])
    logical = [_merge(group, lexicon) for group in groups]
    blocks: list[list[Line]] = []
    for line in logical:
        if not blocks or footnote_head(line.text) is not None:
            blocks.append([line])
        else:
            blocks[-1].append(line)
    return [Block(tuple(lines)) for lines in blocks]
