"""BACKPACK_HEADLESS.md's shell commands are exactly the ones the headless tests run."""
import re

from test.headless.support import DOC_COMMANDS, ROOT


def guide_commands():
    text = (ROOT / "BACKPACK_HEADLESS.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_every_shell_command_of_the_guide_is_one_the_tests_run():
    commands = guide_commands()
    assert len(commands) >= 10
    untested = [command for command in commands if command not in DOC_COMMANDS.values()]
    assert untested == []


def test_every_command_the_tests_run_is_in_the_guide():
    assert sorted(set(DOC_COMMANDS.values()) - set(guide_commands())) == []
