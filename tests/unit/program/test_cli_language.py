"""The command line speaks the office's language: every help text of every subcommand, and
every catalog text of the command line, is Chinese by default and English with --lang en."""

import argparse
import re
from collections.abc import Iterator

import pytest

from bot.core.cli import Parser, speaking, wrap_columns
from bot.core.texts import catalog
from liaison.cli import build_parser, main

CJK = re.compile(r"[\u4e00-\u9fff]")


def parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """`parser` and every subcommand's parser under it, at every level."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                yield from parsers(child)


def help_texts(parser: argparse.ArgumentParser) -> Iterator[tuple[str, str]]:
    """(where, text) of every help and description the operator can be shown."""
    for each in parsers(parser):
        yield each.prog, each.description or ""
        for action in each._actions:
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    yield f"{each.prog} {choice.dest}", choice.help or ""
            elif action.help is not argparse.SUPPRESS:
                where = "/".join(action.option_strings) or action.dest
                yield f"{each.prog} {where}", action.help or ""


def test_every_help_of_every_subcommand_is_chinese_by_default() -> None:
    with speaking("zh"):
        parser = build_parser()
    texts = list(help_texts(parser))
    assert len(list(parsers(parser))) > 30  # every capability's commands are in the walk
    english = [(where, text) for where, text in texts if not CJK.search(text)]
    assert english == []


def test_with_lang_en_the_help_is_english() -> None:
    with speaking("en"):
        parser = build_parser()
    chinese = [(where, text) for where, text in help_texts(parser)
               if CJK.search(re.sub(r"（[^）]*）|\([^)]*\)|\b\S*[\u4e00-\u9fff]\S*", "", text))]
    assert chinese == []


def test_the_top_help_and_a_subcommands_help_print_chinese(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for argv in (["--help"], ["members", "import", "--help"], ["export", "duty", "-h"]):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 0
        shown = capsys.readouterr().out
        assert shown.startswith("用法：liaison-bot"), shown
        assert "选项" in shown and "显示本帮助并退出" in shown
        assert "usage" not in shown and "show this help" not in shown


def test_argparse_errors_are_chinese_and_english_on_request(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["backup"])
    assert "错误：缺少以下参数：OUT.db" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["backup", "--lang", "en"])
    assert "error: the following arguments are required: OUT.db" in capsys.readouterr().err


def test_every_command_line_text_of_the_zh_catalog_is_chinese() -> None:
    """A text of the command line (cli*.…) left in English in the zh catalog fails here."""
    zh, en = catalog("zh"), catalog("en")
    keys = [key for key in zh if key.split(".")[0].startswith("cli")]
    assert len(keys) > 150
    not_chinese = [key for key in keys if not CJK.search(zh[key]) and zh[key] == en[key]]
    assert not_chinese == []
    english_words = [key for key in keys if re.search(r"\b(?:the|is|not|and|of|to)\b", zh[key])]
    assert english_words == []


def test_the_common_options_are_taken_after_the_subcommand() -> None:
    with speaking("zh"):
        args = build_parser().parse_args(["members", "list", "--config", "x.toml", "--lang",
                                          "en", "-v"])
    assert (args.config, args.lang, args.verbose) == ("x.toml", "en", True)
    with speaking("zh"):
        args = build_parser().parse_args(["--config", "y.toml", "members", "list"])
    assert (args.config, args.lang, args.verbose) == ("y.toml", None, False)
    assert isinstance(build_parser(), Parser)


def test_help_lines_wrap_by_terminal_columns() -> None:
    text = "配置文件（默认：$LIAISON_BOT_CONFIG，否则为当前文件夹的 config.toml）"
    assert wrap_columns(text, 30) == [
        "配置文件（默认：", "$LIAISON_BOT_CONFIG，否则为当", "前文件夹的 config.toml）"
    ]
    assert wrap_columns("一二三。四五", 6) == ["一二三。", "四五"]  # 。 never starts a line
    assert wrap_columns("run the bot now", 7) == ["run the", "bot now"]
