"""The `liaison-bot` command before anything is set up: no config file, a database that does
not exist yet, a backup target that needs a folder or would replace a file, a malformed token.
What the operator sees is asserted (exit status, the one line on stderr, in Chinese unless
`--lang en`) and what is on disk."""

import sqlite3
from pathlib import Path

import pytest

from liaison.cli import main

ROSTER = "姓名,手机号,活动组\n张三,13800000001,第一组\n"


@pytest.fixture(autouse=True)
def _no_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIAISON_BOT_TOKEN", raising=False)
    monkeypatch.delenv("LIAISON_BOT_CONFIG", raising=False)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder, the current one while the test runs."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def write_config(folder: Path, token: str = "123456:TEST-token") -> Path:  # noqa: S107
    path = folder / "config.toml"
    path.write_text(
        f'[telegram]\ntoken = "{token}"\nbase_url = "http://127.0.0.1:9/bot"\n'
        'request_timeout = 2\n[storage]\npath = "data/liaison.db"\n',
        encoding="utf-8",
    )
    return path


def test_without_a_config_file_the_cli_says_which_file_and_stops(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")
    for command in (["members", "import", "roster.csv"], ["members", "list"], ["doctor"],
                    ["backup", "copy.db"], ["run"]):
        assert main(command) == 2, command
        captured = capsys.readouterr()
        [line] = captured.err.splitlines()
        assert line.startswith("liaison-bot: 找不到配置文件“"), line
        assert str(folder / "config.toml") in line, line
        assert "config.example.toml" in line, line
        assert captured.out == ""
    assert sorted(p.name for p in folder.iterdir()) == ["roster.csv"]  # no liaison.db


def test_a_named_config_file_that_is_missing_is_named(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIAISON_BOT_CONFIG", "elsewhere/bot.toml")
    assert main(["members", "list"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert str(folder / "elsewhere" / "bot.toml") in line
    assert list(folder.iterdir()) == []


def test_doctor_does_not_create_the_database(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(folder)
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    database = folder / "data" / "liaison.db"
    assert f"【异常】数据库“{database}”尚不存在" in out
    assert not (folder / "data").exists()


def test_backup_refuses_a_missing_folder_and_an_existing_file_without_force(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(folder)
    (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")
    assert main(["members", "import", "roster.csv"]) == 0
    capsys.readouterr()

    assert main(["backup", "backups/today.db"]) == 1
    captured = capsys.readouterr()
    assert "backups" in captured.err and "--force" in captured.err
    assert not (folder / "backups").exists()

    (folder / "old.db").write_bytes(b"an older backup")
    assert main(["backup", "old.db"]) == 1
    captured = capsys.readouterr()
    assert "old.db" in captured.err and "--force" in captured.err
    assert (folder / "old.db").read_bytes() == b"an older backup"

    assert main(["backup", "--force", "backups/today.db"]) == 0
    assert main(["backup", "old.db", "--force"]) == 0
    for copy in (folder / "backups" / "today.db", folder / "old.db"):
        with sqlite3.connect(copy) as conn:
            assert conn.execute("SELECT name FROM members").fetchall() == [("张三",)]


def test_backup_of_a_database_that_does_not_exist_is_refused(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(folder)
    assert main(["backup", "copy.db"]) == 1
    err = capsys.readouterr().err
    assert "不存在" in err and str(folder / "data" / "liaison.db") in err, err
    assert sorted(p.name for p in folder.iterdir()) == ["config.toml"]


@pytest.mark.parametrize(
    "token", ["abc", "98765", "bot123456:TEST-token", "123456:TEST token", "https://x/1:y"]
)
def test_a_malformed_token_is_recognised_as_one(
    folder: Path, capsys: pytest.CaptureFixture[str], token: str
) -> None:
    write_config(folder, token=token)
    assert main(["run"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "令牌格式有误" in line and "@BotFather" in line, line
    assert token not in line  # the token is never printed


def test_the_command_line_speaks_chinese_unless_told_english(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same fact, the missing config file, in Chinese by default and in today's English
    with `--lang en`, wherever on the line it is given."""
    assert main(["members", "list"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == (f"liaison-bot: 找不到配置文件“{folder / 'config.toml'}”（依次查找 --config、"
                    "$LIAISON_BOT_CONFIG、当前文件夹的 config.toml）；"
                    "请将 config.example.toml 复制到该位置并填写")
    for command in (["--lang", "en", "members", "list"], ["members", "list", "--lang", "en"]):
        assert main(command) == 2, command
        captured = capsys.readouterr()
        assert captured.err.splitlines() == [
            f"liaison-bot: no config file {folder / 'config.toml'} (looked for --config, else "
            "$LIAISON_BOT_CONFIG, else config.toml in the current folder); copy "
            "config.example.toml there and fill it in"], command
        assert captured.out == ""


def test_config_given_after_the_subcommand_is_read(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--config` after the subcommand names the file as well as before it: its language, its
    database."""
    other = folder / "elsewhere"
    other.mkdir()
    path = write_config(other)
    path.write_text(path.read_text(encoding="utf-8") + '[committee]\nlanguage = "en"\n',
                    encoding="utf-8")
    (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")
    assert main(["members", "import", "roster.csv", "--config", str(path)]) == 0
    assert (other / "data" / "liaison.db").is_file()
    capsys.readouterr()
    assert main(["members", "list", "--config", str(path)]) == 0
    assert "张三" in capsys.readouterr().out
    assert main(["doctor", "--config", str(path)]) == 1  # the config's language: English
    out = capsys.readouterr().out
    assert f"ok   database {other / 'data' / 'liaison.db'}: 1 members (0 bound), 1 groups" in out
    assert not (folder / "data").exists()
