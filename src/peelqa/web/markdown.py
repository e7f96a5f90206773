"""Answers as Markdown, with numbered references: what "Copy answer" copies and the conversation download holds.

Written on the server from the same answer JSON the page renders, so the
page's script only copies or saves these strings. Each reference gives the
report, its section, paragraph, page and an absolute link to the passage.
"""

from __future__ import annotations

import re
from typing import Any

from ..contract import understood_as
from ..kinds import AnswerKind, PassageKind
from .present import answer_pieces, list_groups

__all__ = ["answer_markdown", "escape", "exchange_markdown", "reference"]

# Written by hand: the libraries at hand render Markdown, none escapes text for it.
_INLINE = re.compile(r"([\\`*_\[\]<>|])")
_BULLET = re.compile(r"^(\s*)([#+\-])", re.M)  # headings and bullets; ">" is escaped inline
_NUMBERED = re.compile(r"^(\s*\d+)([.)])", re.M)  # "12." would start an ordered list


def escape(text: str) -> str:
    """`text` as Markdown that shows it literally: no emphasis, links or lists made by accident."""
    text = _INLINE.sub(r"\\\1", text)
    text = _BULLET.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return _NUMBERED.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def reference(passage: dict[str, Any], base_url: str) -> str:
    """One numbered reference, "- [n] …": report, section, paragraph, page and link.

    A list item led by its number, not an ordered list: Markdown renumbers
    those, and the numbers must stay the answer's [n].
    """
    report = passage["report"]
    parts = [f"*{escape(report['title'])}*, {escape(report['force'])}"]
    if passage["section"]:
        parts.append(escape(" › ".join(passage["section"])))
    where = f"paragraph {passage['paragraph']}"
    if passage["page"] is not None:
        where += f", page {passage['page']}"
    if passage["kind"] == PassageKind.FOOTNOTE and passage["note_number"] is not None:
        where += f", footnote {passage['note_number']}"
    parts.append(where)
    url = base_url.rstrip("/") + passage["url"]
    return f"- [{passage['rank']}] " + " — ".join(parts) + f" — <{url}>"


def _cite(number: int) -> str:
    # left as typed: with no link definitions in the text, CommonMark shows [1] as is
    return f"[{number}]"


def _body(data: dict[str, Any]) -> list[str]:
    answer = data["answer"]
    if not answer["found"]:
        return ["**Nothing relevant found.** The reports do not seem to answer this question."]
    if answer["kind"] in (AnswerKind.LIST, AnswerKind.GRADES):
        lead, groups = list_groups(data)
        blocks = [escape(lead)]
        for group, items in groups:
            lines = [f"**{escape(group)}**", ""] if group else []
            for item in items:
                passage = item["passage"]
                grade = (
                    f"**{escape(passage['grade'])}**: "
                    if passage and passage["kind"] == PassageKind.JUDGMENT and passage["grade"]
                    else ""
                )
                lines.append(f"- {grade}{escape(item['text'])} {_cite(item['citation'])}")
            blocks.append("\n".join(lines))
        return blocks
    blocks = []
    if answer["kind"] == AnswerKind.JUDGMENT and data["passages"] and data["passages"][0]["grade"]:
        blocks.append(f"Graded **{escape(data['passages'][0]['grade'])}**.")
    pieces = answer_pieces(answer["text"], [p["rank"] for p in data["passages"]])
    blocks.append("".join(_cite(number) if number else escape(piece) for piece, number in pieces).strip())
    return blocks


def answer_markdown(data: dict[str, Any], base_url: str) -> str:
    """An ask answer (the API's JSON) as Markdown: the answer, then its numbered references.

    The references are the passages the answer cites, numbered as its [n]
    markers; an answer that found nothing lists the nearest passages.
    """
    blocks = _body(data)
    passages = data["passages"]
    if data["answer"]["found"]:
        cited = {s["citation"] for s in data["answer"]["sentences"]}
        passages = [p for p in passages if p["rank"] in cited]
    if passages:
        blocks.append("References:" if data["answer"]["found"] else "Nearest passages:")
        blocks.append("\n".join(reference(p, base_url) for p in passages))
    return "\n\n".join(blocks) + "\n"


def exchange_markdown(question: str, data: dict[str, Any], base_url: str) -> str:
    """One question of a conversation and its answer, as a section of the conversation's Markdown."""
    blocks = [f"## {escape(' '.join(question.split()))}"]
    understood = understood_as(data)
    if understood:
        blocks.append(f"*Understood as:* {escape(understood)}")
    return "\n\n".join(blocks) + "\n\n" + answer_markdown(data, base_url)
