"""The vocabularies peelqa speaks, each named once.

They are `StrEnum`s, so a member equals its string ("list_item") in
comparisons, JSON and templates: the contract's strings stay as they were.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["AnswerKind", "AnswerType", "IntentKind", "PassageKind", "VectorIndexKind"]


class PassageKind(StrEnum):
    """What a passage is in the report's structure."""

    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    FOOTNOTE = "footnote"
    TABLE = "table"  # one row of a table, with its caption and column names
    FIGURE = "figure"  # a labelled figure ("Force in numbers") with its values
    JUDGMENT = "judgment"  # a graded judgment of one inspection question
    COVER = "cover"  # what the cover says: title, force, publication month (passage 0)


class IntentKind(StrEnum):
    """What a question asks for."""

    PASSAGES = "passages"  # the best passages
    LIST = "list"  # every item under a list heading
    GRADES = "grades"  # every graded judgment
    JUDGMENT = "judgment"  # one graded judgment


class AnswerKind(StrEnum):
    """The shape of an answer."""

    PASSAGES = "passages"
    LIST = "list"
    GRADES = "grades"
    JUDGMENT = "judgment"
    NOT_FOUND = "not_found"


class VectorIndexKind(StrEnum):
    """How an index searches its vectors (the `--vector-index` setting)."""

    AUTO = "auto"  # exact while that is fast, IVF beyond (see the README's scale figures)
    FLAT = "flat"  # exact: every vector scored
    IVF = "ivf"  # approximate: FAISS inverted lists, memory-mapped and shared between processes


class AnswerType(StrEnum):
    """What kind of value a question expects ("how many …?" a count)."""

    COUNT = "count"
    DURATION = "duration"
    SHARE = "share"  # a percentage, proportion or rate
    DATE = "date"
    MONEY = "money"  # a sum: a budget, a cost
    PERSON = "person"  # a named person: "Who is the chief constable?"
