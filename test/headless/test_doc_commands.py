"""BACKPACK_HEADLESS.md's shell commands are exactly the ones the headless tests run."""
import re

from test.headless.support import CURRENT_LINE_COMMANDS, DEFAULT_LINE_COMMANDS, ROOT, base_env, doc_shell

# Both lines' commands are in the guide (the current line's own ones in its section; for the others the
# guide says that `.venv/` is `.venv-20260922/` there, which is how support.commands_for derives them).
ALL_COMMANDS = set(DEFAULT_LINE_COMMANDS.values()) | set(CURRENT_LINE_COMMANDS.values())


def guide_commands():
    text = (ROOT / "BACKPACK_HEADLESS.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_every_shell_command_of_the_guide_is_one_the_tests_run():
    commands = guide_commands()
    assert len(commands) >= 10
    untested = [command for command in commands if command not in ALL_COMMANDS]
    assert untested == []


def test_every_command_the_tests_run_is_in_the_guide():
    assert sorted(ALL_COMMANDS - set(guide_commands())) == []


def test_the_guide_says_how_commands_differ_on_the_current_line():
    text = (ROOT / "BACKPACK_HEADLESS.md").read_text()
    assert "every `.venv/bin/python` below is `.venv-20260922/bin/python`" in text


def test_script_configs_can_be_written_into_a_home_without_conf_scripts(tmp_path):
    """After `make setup` the repository root has conf/ but no conf/scripts/: the guide creates it first."""
    home = tmp_path / "fresh_home"
    (home / "conf").mkdir(parents=True)
    env = base_env(home)
    assert doc_shell("perp_auth_config", env).returncode != 0  # why the guide has the mkdir line
    for name in ("script_conf_dir", "perp_auth_config", "perp_maker_config"):
        result = doc_shell(name, env, timeout=10)
        assert result.returncode == 0, result.stderr
    assert (home / "conf" / "scripts" / "backpack_auth_test_perp.yml").read_text() == (
        "script_file_name: backpack_auth_test.py\nexchange: backpack_perpetual\n")
    assert "run_duration_s: 3600" in (home / "conf" / "scripts" / "backpack_maker_perp.yml").read_text()
