"""Bar charts of the figures an answer cites: their geometry, and the SVG the page serves."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from conftest import REPORT_ID
from flask.testing import FlaskClient
from test_web_ui import Page, get_page

from peelqa.web.charts import MAX_CHARTS, WIDTH, answer_charts, chart

CALLS = "How many calls for assistance per 1,000 population?"


def value(series: str, text: str, number: float | None, *, measure: str = "", unit: str = "", label: str = "L") -> dict[str, Any]:
    return {"label": label, "series": series, "measure": measure, "text": text, "number": number, "unit": unit}


def passage(*values: dict[str, Any], rank: int = 1) -> dict[str, Any]:
    return {"rank": rank, "report": {"force": "Wiltshire Police"}, "values": list(values)}


def test_bars_are_proportional_with_the_values_beside_them() -> None:
    drawn = chart(passage(value("Wiltshire Police", "48", 48.0), value("England and Wales", "350", 350.0)))
    assert drawn is not None
    own, other = drawn.bars
    assert (own.series, own.text, own.own, other.own) == ("Wiltshire Police", "48", True, False)
    assert own.x == other.x == drawn.zero_x  # both grow from zero, rightwards
    assert own.width / other.width == pytest.approx(48 / 350, abs=0.01)
    assert other.x + other.width + len("350") * 5 < WIDTH  # room left for the value
    assert own.value_x > own.x + own.width and own.value_anchor == "start"
    assert own.name_y < own.y < other.name_y < other.y  # each name above its bar
    assert drawn.description == "Wiltshire Police 48; England and Wales 350."
    assert drawn.title == "L"


def test_negative_values_hang_left_of_the_zero_line() -> None:
    drawn = chart(passage(value("Wiltshire Police", "-10.7%", -10.7, unit="%"), value("England and Wales", "-12.6%", -12.6, unit="%")))
    assert drawn is not None
    for bar in drawn.bars:
        assert bar.x + bar.width == pytest.approx(drawn.zero_x, abs=0.2)
        assert bar.value_anchor == "end" and bar.value_x < bar.x
        assert bar.value_x - len(bar.text) * 8 > 0  # the value fits on the left
    assert drawn.zero_x > WIDTH * 0.9


def test_mixed_signs_share_one_zero_line() -> None:
    drawn = chart(passage(value("A", "+2.4%", 2.4, unit="%"), value("B", "-1.2%", -1.2, unit="%")))
    assert drawn is not None
    up, down = drawn.bars
    assert up.x == pytest.approx(drawn.zero_x, abs=0.2) and down.x + down.width == pytest.approx(drawn.zero_x, abs=0.2)
    assert up.width / down.width == pytest.approx(2, abs=0.02)
    assert 0 < drawn.zero_x < WIDTH
    for bar in drawn.bars:  # the zero line runs past each bar, never into the name above it
        assert bar.name_y < bar.zero_top < bar.y and bar.zero_bottom > bar.y + bar.height


def test_like_is_charted_with_like() -> None:
    # two columns a series: the counts of a force and of a country do not compare; the rates do
    row = passage(
        value("Wiltshire Police", "5,054", 5054.0, measure="Number of outcomes"),
        value("Wiltshire Police", "15.1", 15.1, measure="Rate"),
        value("England and Wales", "577,678", 577678.0, measure="Number of outcomes"),
        value("England and Wales", "16.0", 16.0, measure="Rate"),
    )
    drawn = chart(row)
    assert drawn is not None
    assert [(b.series, b.text) for b in drawn.bars] == [("Wiltshire Police", "15.1"), ("England and Wales", "16.0")]
    assert drawn.title == "L (Rate)"
    # no preferred measure: the first, never a mixture
    drawn = chart(passage(value("A", "1", 1.0, measure="X"), value("A", "2", 2.0, measure="Y"),
                          value("B", "3", 3.0, measure="X"), value("B", "4", 4.0, measure="Y")))  # fmt: skip
    assert drawn is not None and [b.text for b in drawn.bars] == ["1", "3"]
    # different units or labels never share a chart
    assert chart(passage(value("A", "5%", 5.0, unit="%"), value("B", "£5", 5.0, unit="£"))) is None
    assert chart(passage(value("A", "5", 5.0, label="one"), value("B", "6", 6.0, label="two"))) is None


def test_nothing_to_compare_is_no_chart() -> None:
    assert chart(passage()) is None
    assert chart(passage(value("A", "5", 5.0))) is None
    assert chart(passage(value("A", "5", 5.0), value("B", "n/a", None))) is None
    drawn = chart(passage(value("A", "0", 0.0), value("B", "0", 0.0)))  # nothing to scale by, still drawn
    assert drawn is not None and all(b.width == 0 for b in drawn.bars)


def test_an_answer_charts_what_it_cites_and_only_when_found() -> None:
    figure = [value("A", "1", 1.0), value("B", "2", 2.0)]
    data = {
        "answer": {"found": True, "sentences": [{"citation": 2}, {"citation": 1}, {"citation": 2}]},
        "passages": [passage(*figure, rank=1), passage(*figure, rank=2), passage(*figure, rank=3)],
    }
    assert [number for number, _ in answer_charts(data)] == [2, 1]  # in the answer's order, once each
    data["answer"]["sentences"] = [{"citation": n} for n in range(1, 4)] * 2
    assert len(answer_charts(data)) == min(3, MAX_CHARTS)
    data["answer"]["found"] = False
    assert answer_charts(data) == []


def test_the_page_draws_a_cited_figure_as_inline_svg(client: FlaskClient) -> None:
    page, text = get_page(client, "/?" + urlencode({"q": CALLS}))
    (figure,) = page.find("figure", class_="chart")
    assert "Calls for assistance per 1,000 population" in figure["text"]
    (svg,) = page.find("svg", class_="chart-svg")
    assert svg["attrs"]["role"] == "img"
    title_id, desc_id = svg["attrs"]["aria-labelledby"], svg["attrs"]["aria-describedby"]
    (title,) = page.find("title", id=title_id)
    assert title["text"].startswith("Bar chart: Calls for assistance per 1,000 population")
    (desc,) = page.find("desc", id=desc_id)
    assert desc["text"] == "Wiltshire Police 48; England and Wales 350."  # the text alternative
    assert [t["text"] for t in page.find("text", class_="chart-value")] == ["48", "350"]  # written on the chart
    assert [t["text"] for t in page.find("text", class_="chart-name")] == ["Wiltshire Police", "England and Wales"]
    bars = page.find("rect", class_="chart-bar")
    widths = [float(b["attrs"]["width"]) for b in bars]
    assert widths[0] / widths[1] == pytest.approx(48 / 350, abs=0.01)
    (caption,) = page.find("figcaption")
    assert caption["text"].startswith("[1] Calls for assistance")  # the caption cites the passage
    assert page.find("a", href="#a1-c1", class_="cite")
    assert " style=" not in text  # the CSP (style-src 'self') would refuse inline styles


def test_a_two_measure_table_row_charts_its_rates(client: FlaskClient) -> None:
    page, _ = get_page(client, "/?" + urlencode({"q": "How many were charged or summoned?"}))
    charts = page.find("figure", class_="chart")
    assert charts, "the Charged/Summoned row is cited"
    caption = charts[0]["text"]
    assert "Charged/Summoned (Rate)" in caption
    values = [t["text"] for t in page.find("text", class_="chart-value")][:2]
    assert values == ["15.1", "16.0"]


def test_the_api_gives_each_passage_its_values(client: FlaskClient) -> None:
    data = client.get("/api/ask?" + urlencode({"q": CALLS, "top_k": 1})).get_json()
    (top,) = data["passages"]
    assert top["id"] == f"{REPORT_ID}:p0032"
    assert top["values"] == [
        {"label": "Calls for assistance per 1,000 population 12 months to 31 March 2015", "series": "Wiltshire Police",
         "measure": "", "text": "48", "number": 48.0, "unit": ""},
        {"label": "Calls for assistance per 1,000 population 12 months to 31 March 2015", "series": "England and Wales",
         "measure": "", "text": "350", "number": 350.0, "unit": ""},
    ]  # fmt: skip
    page = Page(client.get("/?" + urlencode({"q": "What is khat?"})).get_data(as_text=True))
    assert page.find("svg") == []  # prose gets no chart
