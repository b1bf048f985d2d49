"""docker/Dockerfile and docker/api.Dockerfile, checked without Docker (none runs on our machines).

What is checked: each is FROM the image named by its build argument; the plugin is installed with `--no-deps`
into the image's conda env; the files its COPY lines take from this repository are enough to build the same
wheel as the whole repository (a file left out of the image would be missing from the installed plugin); the
compose file names a `<namespace>/hummingbot:` image and passes the two server variables. What happens inside
the image (its conda env, Hummingbot compiled in /home/hummingbot, `./bin/hummingbot_quickstart.py`) is the
layout that test/headless/test_checkout_layout.py reproduces and runs. Not checked: `docker build` itself.
"""
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILES = {"Dockerfile": ("HUMMINGBOT_IMAGE", "/opt/conda/envs/hummingbot/bin/python"),
               "api.Dockerfile": ("API_IMAGE", "/opt/conda/envs/hummingbot-api/bin/python")}
STAGE = "/tmp/hummingbot-backpack/"


def copies(dockerfile: str):
    """(source paths in the repository, destination) of every COPY line."""
    for line in (ROOT / "docker" / dockerfile).read_text().splitlines():
        if line.startswith("COPY "):
            *sources, destination = line.split()[1:]
            yield sources, destination


def build_wheel(source: Path, out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", str(source), "-w", str(out)], check=True, cwd=source, timeout=300,
                   capture_output=True)
    for stale in [source / "build", *source.glob("*.egg-info")]:
        shutil.rmtree(stale, ignore_errors=True)
    return next(out.glob("hummingbot_backpack-*.whl"))


def wheel_files(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        return sorted(name for name in archive.namelist() if ".dist-info/" not in name)


class DockerfilesTest(unittest.TestCase):
    def test_from_the_image_argument_and_installed_without_dependencies(self):
        for name, (argument, python) in DOCKERFILES.items():
            text = (ROOT / "docker" / name).read_text()
            self.assertRegex(text, rf"(?m)^ARG {argument}=hummingbot/hummingbot(-api)?:\S+$", name)
            self.assertRegex(text, rf"(?m)^FROM \${{{argument}}}$", name)
            self.assertIn(f"{python} -m pip install --no-deps --no-cache-dir .", text)
            self.assertNotRegex(text, r"pip install (?!--no-deps)", name)

    def test_the_copied_files_build_the_same_wheel_as_the_repository(self):
        with tempfile.TemporaryDirectory() as folder:
            full = build_wheel(ROOT, Path(folder) / "full")
            for name in DOCKERFILES:
                context = Path(folder) / name / "context"
                for sources, destination in copies(name):
                    self.assertTrue(destination.startswith(STAGE), destination)
                    for source in sources:
                        target = context / destination[len(STAGE):]
                        if source.endswith("/"):
                            shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__"))
                        else:
                            target.mkdir(parents=True, exist_ok=True)
                            shutil.copyfile(ROOT / source, target / source)
                staged = build_wheel(context, Path(folder) / name / "out")
                self.assertEqual(wheel_files(full), wheel_files(staged), name)

    def test_the_compose_file_runs_a_bot_image_with_the_server_variables(self):
        text = (ROOT / "docker" / "compose.yml").read_text()
        self.assertRegex(text, r"image: [\w.-]+/hummingbot:\S+")
        for variable in ("BACKPACK_REST_URL", "BACKPACK_WS_URL", "HEADLESS_MODE", "SCRIPT_CONFIG"):
            self.assertRegex(text, rf"- {variable}=", variable)
        self.assertTrue(re.search(r"/home/hummingbot/scripts", text))
