"""Configuration: defaults, env overrides, one-line errors naming the key."""

from pathlib import Path

import pytest

from bot.core.cli import speaking
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
    with pytest.raises(ConfigError, match="尚未设置令牌") as caught:
        config.token_value()
    assert "@BotFather" in str(caught.value) and "$LIAISON_BOT_TOKEN" in str(caught.value)


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
    assert "没有配置项“telegram.tokn”" in str(caught.value)
    assert str(tmp_path / "config.toml") in str(caught.value)
    assert "\n" not in str(caught.value)


def test_bad_value_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "[committee]\ntimezone = 'Mars/Olympus'\n"))
    assert str(caught.value) == (f"配置文件“{tmp_path / 'config.toml'}”中的配置项"
                                 "“committee.timezone”有误：未知的时区“Mars/Olympus”"
                                 "（应写成 Asia/Shanghai 这样）")
    with pytest.raises(ConfigError, match=r"配置项“telegram\.mode”有误："):
        load_config(write(tmp_path, "[telegram]\nmode = 'carrier-pigeon'\n"))
    with pytest.raises(ConfigError, match=r"duty_record\.supervision\.months.*月份为1至12"):
        load_config(write(tmp_path, "[duty_record.supervision]\nmonths = [13]\n"))


def test_errors_in_english_with_lang_en(tmp_path: Path) -> None:
    """`--lang en` (or `[committee] language = "en"`): the same errors in today's English."""
    with speaking("en"):
        with pytest.raises(ConfigError) as caught:
            load_config(write(tmp_path, "[committee]\ntimezone = 'Mars/Olympus'\n"))
        assert str(caught.value) == (f"{tmp_path / 'config.toml'}: key committee.timezone: "
                                     "unknown time zone 'Mars/Olympus'")
        with pytest.raises(ConfigError, match=r": unknown key telegram\.tokn$"):
            load_config(write(tmp_path, "[telegram]\ntokn = 'x'\n"))
        with pytest.raises(ConfigError, match="not valid TOML"):
            load_config(write(tmp_path, "[telegram\n"))
        with pytest.raises(ConfigError, match=r"^no config file .* copy config\.example\.toml"):
            load_config(tmp_path / "missing.toml")


def test_a_bad_clock_offset_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIAISON_BOT_CLOCK_OFFSET", "tomorrow")
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, ""))
    assert str(caught.value).startswith("环境变量 $LIAISON_BOT_CLOCK_OFFSET=“tomorrow”有误：")
    with speaking("en"), pytest.raises(ConfigError, match=r"^LIAISON_BOT_CLOCK_OFFSET='tomorrow'"):
        load_config(write(tmp_path, ""))


def test_broken_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="不是有效的 TOML"):
        load_config(write(tmp_path, "[telegram\n"))


def test_webhook_mode_needs_public_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"“telegram”有误：.*时须填写 webhook\.public_url"):
        load_config(write(tmp_path, "[telegram]\nmode = 'webhook'\n"))
