"""scripts/setup-venv installs only when what is installed does not cover what is asked:
`scripts/run` (no extras) after `scripts/test` (the "test" extra) installs nothing (issue #19,
item 6). Run against a copy of the script in a temporary folder whose .venv/bin/python is a
stand-in that records each pip command instead of running it."""

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "setup-venv"
PYPROJECT = '[project]\nname = "x"\n[project.optional-dependencies]\ntest = ["pytest"]\n'
FAKE_PYTHON = """#!/bin/sh
# records the pip command; fails when the folder holds a file named fail
here=$(dirname "$0")/../..
echo "$*" >> "$here/pip.log"
[ ! -e "$here/fail" ]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with the script, a pyproject.toml and a .venv with the stand-in."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(SCRIPT, tmp_path / "scripts" / "setup-venv")
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON, encoding="utf-8")
    python.chmod(0o755)
    return tmp_path


def setup_venv(project: Path, *extras: str) -> tuple[int, str, list[str]]:
    """Run the script; its exit status, its output and the pip commands it ran."""
    log = project / "pip.log"
    log.unlink(missing_ok=True)
    # no timeout= here (pytest-timeout bounds the test): subprocess's wait with a timeout
    # polls with time.sleep, which libfaketime can fail with EINVAL (scripts/test --at)
    done = subprocess.run(["bash", str(project / "scripts" / "setup-venv"), *extras],
                          capture_output=True, text=True, check=False)
    installs = [line.split(" -e ", 1)[1] for line in
                (log.read_text(encoding="utf-8").splitlines() if log.exists() else [])
                if " -e " in line]
    return done.returncode, done.stdout + done.stderr, installs


def test_run_after_test_installs_nothing(project: Path) -> None:
    assert setup_venv(project, "test")[2] == [".[test]"]
    status, output, installs = setup_venv(project)  # scripts/run
    assert (status, installs) == (0, [])
    assert "venv up to date" in output
    assert setup_venv(project, "test")[::2] == (0, [])  # scripts/test again


def test_test_after_run_installs_the_extra_once(project: Path) -> None:
    assert setup_venv(project)[2] == ["."]
    assert setup_venv(project)[2] == []
    assert setup_venv(project, "test")[2] == [".[test]"]
    assert setup_venv(project)[2] == []
    assert setup_venv(project, "test")[2] == []


def test_a_changed_pyproject_is_installed_again(project: Path) -> None:
    setup_venv(project, "test")
    (project / "pyproject.toml").write_text(PYPROJECT + "# a new dependency\n",
                                            encoding="utf-8")
    assert setup_venv(project)[2] == ["."]
    assert setup_venv(project)[2] == []


def test_a_failed_install_is_tried_again_and_old_stamps_go(project: Path) -> None:
    (project / ".venv" / ".installed-test").touch()  # left by the earlier script
    (project / "fail").touch()
    status, _, installs = setup_venv(project, "test")
    assert status != 0 and installs == []  # pip upgrading itself failed: nothing recorded
    (project / "fail").unlink()
    assert setup_venv(project, "test")[2] == [".[test]"]
    assert not (project / ".venv" / ".installed-test").exists()
    assert setup_venv(project)[2] == []
