"""What a client may send, each request declared once.

The pydantic models here validate the bodies and query strings of the API
and generate the request schemas of its OpenAPI document, so a limit is
written in one place. A request that fails is reported as one
`InvalidRequest` naming the field at fault, in a sentence a person can act
on (pydantic's own wording is written for developers).

    AskBody      POST /api/ask, a JSON object
    AskQuery     GET /api/ask and the chat page's form, a query string
    UploadForm   POST /api/reports, multipart form fields and the file
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError
from pydantic_core import PydanticCustomError

from .errors import InvalidRequest

__all__ = [
    "DEFAULT_TOP_K",
    "MAX_FIELD_CHARS",
    "MAX_HISTORY",
    "MAX_QUESTION_CHARS",
    "MAX_TOP_K",
    "AskBody",
    "AskQuery",
    "UploadForm",
    "validate",
]

MAX_QUESTION_CHARS = 1000
MAX_TOP_K = 50
DEFAULT_TOP_K = 5
MAX_FIELD_CHARS = 200  # a report's title or force name
MAX_HISTORY = 20  # earlier questions of a conversation that a question may carry
_DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII only: int() accepts '٣' and '5_0'


def _digits_only(value: Any) -> Any:
    """Query strings and forms carry numbers as text: accept plain digits only."""
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise PydanticCustomError("digits", "not a whole number written in digits")
    return int(value) if isinstance(value, str) else value


def _not_blank(value: str) -> str:
    # the schema's pattern \S, as Python reads it: pydantic's regex engine
    # takes the separators \x1c-\x1f for text, str.strip() does not
    if not value.strip():
        raise PydanticCustomError("blank", "blank")
    return value


Question = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=r"\S"),
    AfterValidator(_not_blank),
    Field(description=f"The question in plain English: not blank, at most {MAX_QUESTION_CHARS:,} characters."),
]
TopK = Annotated[
    int, Field(ge=1, le=MAX_TOP_K, description=f"Passages to return, 1–{MAX_TOP_K} (list answers may hold more).")
]
ReportId = Annotated[str, Field(description="A report id, as listed by `GET /api/reports`.")]
Force = Annotated[str, Field(description="Only reports about this force (case-insensitive), e.g. `Wiltshire Police`.")]
Year = Annotated[int, Field(description="Only reports of this inspection year.")]
History = Annotated[
    list[Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUESTION_CHARS)]],
    Field(
        max_length=MAX_HISTORY,
        description=f"The earlier questions of the same conversation, oldest first (at most {MAX_HISTORY}); "
        "a follow-up such as “And for investigation?” is understood against them.",
    ),
]
_HISTORY_MESSAGE = (
    f"history must be a list of at most {MAX_HISTORY} earlier questions, each a string of 1 to "
    f"{MAX_QUESTION_CHARS:,} characters."
)
TextDigits = BeforeValidator(_digits_only)

_TOP_K_MESSAGE = f"top_k must be a whole number from 1 to {MAX_TOP_K}."
_YEAR_MESSAGE = "year must be a whole number, e.g. 2015."


class _Request(BaseModel):
    """A request model: unknown fields are ignored; `messages` says what each field must be."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    # field -> the sentence shown when it is wrong (the question has its own, by fault)
    messages: ClassVar[dict[str, str]] = {}


class AskBody(_Request):
    """The JSON body of POST /api/ask."""

    model_config = ConfigDict(
        strict=True,  # JSON has types: "5", 5.0 and true are not a top_k
        title="AskRequest",
        json_schema_extra={
            "description": "A `null` option means the same as leaving it out; blank `report`/`force` strings "
            "mean no filter. Other fields are ignored."
        },
    )
    messages: ClassVar[dict[str, str]] = {
        "top_k": _TOP_K_MESSAGE,
        "report": "report must be a report id or a list of report ids.",
        "force": 'force must be a string, e.g. "Wiltshire Police".',
        "year": _YEAR_MESSAGE,
        "history": _HISTORY_MESSAGE,
    }

    question: Question
    top_k: TopK | None = DEFAULT_TOP_K
    report: Annotated[
        ReportId | list[ReportId] | None,
        Field(description="Only this report id, or these ids. An unknown id is a 400 `unknown_report`."),
    ] = None
    force: Force | None = None
    year: Year | None = None
    history: History | None = None


class AskQuery(_Request):
    """The query string of GET /api/ask (`q` is the question); the chat page's form sends the same."""

    model_config = ConfigDict(title="AskQuery")
    messages: ClassVar[dict[str, str]] = {"top_k": _TOP_K_MESSAGE, "year": _YEAR_MESSAGE, "history": _HISTORY_MESSAGE}

    q: Question
    top_k: Annotated[TopK, TextDigits] = DEFAULT_TOP_K
    report: Annotated[
        list[ReportId],
        Field(
            description="Only these report ids (repeat the parameter for several). "
            "An unknown id is a 400 `unknown_report`."
        ),
    ] = []
    force: Force | None = None
    year: Annotated[Year, TextDigits] | None = None
    history: History = []


_Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_FIELD_CHARS)]


class UploadForm(_Request):
    """The multipart form of POST /api/reports: the report's file, and what to call it."""

    model_config = ConfigDict(
        title="UploadRequest",
        json_schema_extra={
            "description": "Blank fields are as if left out: the report's cover says what it is. "
            "The file's name is only a suggestion for the stored copy; its bytes decide its type."
        },
    )
    messages: ClassVar[dict[str, str]] = {
        "file": "Attach the report as the form field `file`: a PDF or a UTF-8 text file, not empty.",
        "title": f"title must be text of at most {MAX_FIELD_CHARS} characters.",
        "force": f"force must be a force name of at most {MAX_FIELD_CHARS} characters, e.g. Wiltshire Police.",
        "year": "year must be a year from 1900 to 2100, e.g. 2015.",
    }

    file: Annotated[bytes, Field(min_length=1, description="The report: a PDF or UTF-8 text.")]
    title: Annotated[_Name | None, Field(description="The report's title, instead of its cover's.")] = None
    force: Annotated[_Name | None, Field(description="The force inspected, e.g. `Wiltshire Police`.")] = None
    year: Annotated[Annotated[int, Field(ge=1900, le=2100)], TextDigits] | None = Field(
        None, description="The inspection year."
    )


def _question_message(error: Mapping[str, Any], name: str) -> str:
    kind = error["type"]
    if kind == "missing":
        if name == "q":
            return "Add the question as ?q=…"
        return 'Add the question, e.g. {"question": "What are the areas for improvement?"}.'
    if kind in ("string_too_short", "string_pattern_mismatch", "blank"):
        return "The question is empty: type a question."
    if kind == "string_too_long":
        return (
            f"The question is too long: at most {MAX_QUESTION_CHARS:,} characters, "
            f"this one has {len(error['input']):,}."
        )
    return "The question must be a string."


Model = TypeVar("Model", bound=_Request)


def validate(model: type[Model], data: Mapping[str, Any]) -> Model:
    """`data` validated as `model`.

    Raises:
        InvalidRequest: the first field at fault, with a message for a person.
    """
    try:
        return model.model_validate(data)
    except ValidationError as failure:
        error = failure.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else ""
        if name in ("question", "q"):
            raise InvalidRequest(_question_message(error, name), field=name) from None
        raise InvalidRequest(model.messages.get(name, f"{name} is not valid."), field=name) from None
