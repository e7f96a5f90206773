"""Every setting is documented in the README, exactly as the CLI knows it."""

from __future__ import annotations

from conftest import REPO

from peelqa.cli import settings_table
from peelqa.settings import SETTINGS


def test_readme_carries_the_settings_table() -> None:
    readme = REPO.joinpath("README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- settings-table")
    table = readme[readme.index("\n", start) + 1 : readme.index("<!-- /settings-table -->")].strip()
    assert table == settings_table()


def test_every_setting_has_an_environment_variable_and_help() -> None:
    for setting in SETTINGS:
        assert setting.env.startswith("PEELQA_")
        assert setting.help.endswith(".")
    assert len({s.env for s in SETTINGS}) == len(SETTINGS)
