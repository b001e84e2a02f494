"""Configuration: defaults, env overrides, one-line errors naming the key."""

from pathlib import Path

import pytest

from bot.core.config import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIAISON_BOT_TOKEN", raising=False)
    config = load_config(Path(__file__).parents[3] / "config.example.toml")
    assert config.committee.timezone == "Asia/Shanghai"
    assert config.telegram.mode == "polling"
    with pytest.raises(ConfigError, match="@BotFather"):
        config.token_value()


def test_env_token_overrides_and_storage_path_is_relative_to_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIAISON_BOT_TOKEN", "42:from-env")
    text = '[telegram]\ntoken = "1:file"\n[storage]\npath = "x.db"\n'
    config = load_config(write(tmp_path, text))
    assert config.token_value() == "42:from-env"
    assert config.storage.path == tmp_path / "x.db"
    assert "from-env" not in repr(config)


def test_chart_font_is_empty_by_default_and_relative_to_the_file(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")).duty_record.chart_font == ""
    config = load_config(write(tmp_path, '[duty_record]\nchart_font = "fonts/zh.otf"\n'))
    assert config.duty_record.chart_font == str(tmp_path.resolve() / "fonts" / "zh.otf")
    config = load_config(write(tmp_path, '[duty_record]\nchart_font = "/usr/share/zh.ttc"\n'))
    assert config.duty_record.chart_font == "/usr/share/zh.ttc"


def test_unknown_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "[telegram]\ntokn = 'x'\n"))
    assert "telegram.tokn" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_bad_value_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"committee\.timezone"):
        load_config(write(tmp_path, "[committee]\ntimezone = 'Mars/Olympus'\n"))
    with pytest.raises(ConfigError, match=r"telegram\.mode"):
        load_config(write(tmp_path, "[telegram]\nmode = 'carrier-pigeon'\n"))


def test_broken_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[telegram\n"))


def test_webhook_mode_needs_public_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="public_url"):
        load_config(write(tmp_path, "[telegram]\nmode = 'webhook'\n"))
