"""pmo-tui.toml: tolerances per level, durations, and mistakes reported instead of misread."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from pmo_tui.config import ConfigError, load_config, parse_config, parse_duration, unknown_keys
from pmo_tui.problems import Severity


def test_nearest_tolerance_level_wins() -> None:
    config = parse_config(
        {
            "tolerances": {
                "cost": 0.05,
                "programme": {"PRG-01": {"time_days": 10}},
                "project": {"P-1": {"cost": 0.2}},
            }
        }
    )
    tol = config.tolerances
    assert tol.for_project("P-1", "PRG-01") == type(tol.portfolio)(cost=0.2, time_days=10)
    assert tol.for_project("P-2", "PRG-01") == type(tol.portfolio)(cost=0.05, time_days=10)
    assert tol.for_project("P-3", None) == type(tol.portfolio)(cost=0.05, time_days=30)


@pytest.mark.parametrize(
    "tolerances",
    [
        {"cost": 10},  # 1000%: almost certainly meant 10%
        {"cost": -0.1},
        {"project": {"P-1": {"cost": 1.5}}},
        {"programme": {"PRG": {"time_days": -3}}},
        {"time_days": "thirty"},
        {"project": {"P-1": {"costs": 0.1}}},  # typo
    ],
)
def test_a_tolerance_that_would_be_misread_is_refused(tolerances: dict) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"tolerances": tolerances})
    assert "tolerances" in str(info.value)


def test_a_broken_config_file_is_reported_and_defaults_are_used(tmp_path: Path) -> None:
    path = tmp_path / "pmo-tui.toml"
    path.write_text("[tolerances]\ncost = 10\n", encoding="utf-8")
    config, problems = load_config(path)
    assert config.tolerances.portfolio.cost == pytest.approx(0.10)
    assert (
        len(problems) == 1
        and problems[0].file == str(path)
        and "0.10 means 10%" in problems[0].message
    )

    path.write_text("this is = = not toml", encoding="utf-8")
    config, problems = load_config(path)
    assert problems and problems[0].rule == "config"


def test_as_of_and_durations() -> None:
    config = parse_config({"as_of": "2026-11-30", "display": {"stale_after": "2h"}})
    assert config.as_of == date(2026, 11, 30)
    assert config.display.stale_after == timedelta(hours=2)
    assert parse_duration("15m") == timedelta(minutes=15)
    assert parse_duration(90) == timedelta(seconds=90)
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_display_separators_for_a_dutch_screen() -> None:
    config = parse_config({"display": {"thousands": ".", "decimal": ",", "currency": "€"}})
    assert (config.display.locale_thousands, config.display.locale_decimal) == (".", ",")
    with pytest.raises(ConfigError):
        parse_config({"display": {"thousands": ",", "decimal": ","}})


@pytest.mark.parametrize(
    ("kiosk", "says"),
    [
        ({"cycle": [1, 2]}, "list of view names"),
        ({"cycle": {"red": True}}, "list of view names"),
        ({"interval": "fast"}, "number of seconds"),
        ({"interval": True}, "number of seconds"),
        ({"log_file": 3}, "must be a path"),
        ({"intervall": 20}, "unknown keys"),  # typo
    ],
)
def test_a_kiosk_setting_of_the_wrong_shape_is_refused_by_name(kiosk: dict, says: str) -> None:
    with pytest.raises(ConfigError, match="kiosk") as caught:
        parse_config({"kiosk": kiosk})
    assert says in str(caught.value)


def test_kiosk_cycle_as_a_list_or_one_comma_separated_string() -> None:
    from pmo_tui.config import KIOSK_VIEWS
    from pmo_tui.screens.kiosk_rows import VIEWS

    # one string is a comma separated list, not a sequence of letters
    assert parse_config({"kiosk": {"cycle": "Red, burn"}}).kiosk.cycle == ("red", "burn")
    config = parse_config({"kiosk": {"cycle": ["risks"], "interval": 45}})
    assert (config.kiosk.cycle, config.kiosk.interval) == (("risks",), 45.0)
    # the default cycle is exactly the views the wall can show, in order
    assert parse_config({}).kiosk.cycle == KIOSK_VIEWS == tuple(VIEWS)


@pytest.mark.parametrize(
    ("raw", "where", "key"),
    [
        ({"display": {"cycle_seconds": 8}}, "[display]", "cycle_seconds"),
        ({"display": {"stale_afer": "36h"}}, "[display]", "stale_afer"),  # typo
        ({"source": {"delimitter": ";"}}, "[source]", "delimitter"),
        ({"tolerances": {"cost_pct": 5}}, "[tolerances]", "cost_pct"),
        ({"tolerance": {"cost": 0.1}}, "pmo-tui.toml", "tolerance"),  # the table misspelt
    ],
)
def test_a_misspelt_setting_is_reported_by_name_with_the_keys_that_exist(
    raw: dict, where: str, key: str
) -> None:
    """Ignored without a word, it would leave the setting it was meant to change at its
    default: a wall whose stale alarm never comes."""
    (warning,) = unknown_keys(raw)
    assert warning.severity == Severity.WARNING and warning.rule == "config"
    assert where in warning.message and repr(key) in warning.message
    assert "the keys are" in warning.message
    parse_config(raw)  # the rest of the config still applies


def test_a_misspelt_key_added_to_a_working_config_changes_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "pmo-tui.toml"
    path.write_text(
        '[tolerances]\ncost = 0.05\n\n[display]\ncurrency = "$"\nstale_afer = "36h"\n',
        encoding="utf-8",
    )
    config, problems = load_config(path)
    assert (config.tolerances.portfolio.cost, config.display.currency) == (0.05, "$")
    assert [(p.severity, "stale_afer" in p.message) for p in problems] == [(Severity.WARNING, True)]
    assert unknown_keys({"source": {"decimal": ","}, "display": {"stale_after": "1h"}}) == []


def test_every_shipped_and_documented_config_still_parses() -> None:
    import re
    import tomllib

    root = Path(__file__).resolve().parents[1]
    configs = [f.read_text(encoding="utf-8") for f in sorted((root / "data").rglob("*.toml"))]
    for doc in sorted((root / "docs").glob("*.md")):
        configs += re.findall(r"```toml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    assert len(configs) > 5
    for text in configs:
        parse_config(tomllib.loads(text))
