"""Follow-ups through the JSON API: POST /api/ask and GET /api/ask with history (DESIGN §4)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

GRADE = "How was the force graded for protecting vulnerable people?"
INVESTIGATION = "Wiltshire Police is good at investigating crime and managing offenders"
DIGITAL = "improve its ability to retrieve digital evidence from mobile phones"


def ask(client: FlaskClient, question: str, history: list[str] | None = None, **options: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"question": question, **options}
    if history is not None:
        body["history"] = history
    response = client.post("/api/ask", json=body)
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert isinstance(data, dict)
    return data


def test_a_grade_follow_up_gives_the_other_judgment_first(client: FlaskClient) -> None:
    first = ask(client, GRADE)
    assert first["resolved_question"] == GRADE
    assert first["passages"][0]["kind"] == "judgment" and "vulnerable" in first["passages"][0]["text"]
    follow = ask(client, "And for investigation?", [GRADE])
    assert follow["question"] == "And for investigation?"
    assert follow["resolved_question"] == "How was the force graded for investigation?"
    top = follow["passages"][0]
    assert top["kind"] == "judgment" and INVESTIGATION in top["text"]
    assert "Judgment: Good" in follow["answer"]["text"] and INVESTIGATION in follow["answer"]["text"]


def test_a_conversation_of_follow_ups_through_the_api(client: FlaskClient) -> None:
    history: list[str] = []

    def step(question: str) -> dict[str, Any]:
        data = ask(client, question, list(history))
        history.append(question)
        return data

    step("What are the areas for improvement in how the force investigates crime?")
    narrowed = step("Which of those are about digital evidence?")
    assert narrowed["resolved_question"].startswith("Which of the areas for improvement in how the force investigates crime")
    assert any(DIGITAL in p["text"] for p in narrowed["passages"][:5])
    why = step("Why is that a problem?")
    assert why["resolved_question"] == "Why is digital evidence a problem?"
    assert any("delays" in p["text"] for p in why["passages"][:3])
    organised = step("And for serious and organised crime?")
    assert organised["resolved_question"] == "Why is serious and organised crime a problem?"
    assert "organised crime" in organised["passages"][0]["text"].lower()


def test_get_takes_the_history_too(client: FlaskClient) -> None:
    response = client.get("/api/ask", query_string=[("q", "What about investigation?"), ("history", GRADE)])
    assert response.status_code == 200
    data = response.get_json()
    assert data["resolved_question"] == "How was the force graded for investigation?"
    assert INVESTIGATION in data["passages"][0]["text"]


def test_a_question_that_stands_alone_is_answered_the_same_with_history(client: FlaskClient) -> None:
    question = "How many calls for assistance were there per 1,000 people?"
    alone = ask(client, question)
    followed = ask(client, question, [GRADE, "And for investigation?"])
    assert followed["resolved_question"] == question
    assert [p["id"] for p in followed["passages"]] == [p["id"] for p in alone["passages"]]
    assert followed["answer"] == alone["answer"]


def test_filters_still_apply_to_a_follow_up(client: FlaskClient) -> None:
    data = ask(client, "And for investigation?", [GRADE], force="Kent Police")
    assert data["resolved_question"] == "How was the force graded for investigation?"
    assert data["passages"] == [] and data["answer"]["found"] is False
