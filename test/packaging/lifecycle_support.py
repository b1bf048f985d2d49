"""A throwaway venv holding a real install of this line's Hummingbot wheel, for install/uninstall tests.

Hummingbot itself is installed into the throwaway venv (from the wheel that tools/setup.sh keeps in
.cache/hb-wheels/), so every file that pip writes or deletes is checked for real. Its dependencies are
borrowed from the line's venv: a folder of links to its site-packages entries, minus Hummingbot and
this plugin, named by a plain path line (``_deps.pth``; a path line is not a site dir, so no .pth file
in there runs), so pip in the throwaway venv sees no other Hummingbot and no other copy of the plugin.
"""
import base64
import glob
import hashlib
import json
import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path
from typing import Dict, List, Set

ROOT = Path(__file__).resolve().parents[2]
WHEEL_DIR = Path(os.environ.get("HB_WHEEL_DIR", ROOT / ".cache" / "hb-wheels"))
PIP_TIMEOUT_S = 300
# Entries of the line venv's site-packages that the throwaway venv must not see.
HIDDEN_FROM_THROWAWAY = ("hummingbot", "backpack_emulator", "conf", "scripts", "logs", "data", "controllers")


def hummingbot_version() -> str:
    from importlib.metadata import version

    return version("hummingbot").split(".dev")[0]


def hummingbot_wheel() -> Path:
    found = sorted(WHEEL_DIR.glob(f"hummingbot-{hummingbot_version()}-*.whl"))
    if not found:
        raise FileNotFoundError(f"no Hummingbot {hummingbot_version()} wheel in {WHEEL_DIR}: run tools/setup.sh")
    return found[0]


def hummingbot_ships(*paths: str) -> bool:
    """Whether this line's Hummingbot wheel has every one of these files (its own Backpack modules)."""
    import zipfile

    with zipfile.ZipFile(hummingbot_wheel()) as wheel:
        names = set(wheel.namelist())
    return all(path in names for path in paths)


# Where Hummingbot's own modules for our names live, per probe key (20260302 has the connectors; 20260729 on,
# the candles feeds and the rate source too).
OWN_MODULES = {
    "backpack": "hummingbot/connector/exchange/backpack/backpack_utils.py",
    "backpack_perpetual": "hummingbot/connector/derivative/backpack_perpetual/backpack_perpetual_utils.py",
    "candles_backpack": "hummingbot/data_feed/candles_feed/backpack_spot_candles/__init__.py",
    "candles_backpack_perpetual": "hummingbot/data_feed/candles_feed/backpack_perpetual_candles/__init__.py",
    "rate_source": "hummingbot/core/rate_oracle/sources/backpack_rate_source.py",
}


class ThrowawayVenv:
    def __init__(self, folder: Path):
        self.folder = folder
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120)
        self.python = str(folder / "bin" / "python")
        self.site = Path(subprocess.run(
            [self.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True).stdout.strip())
        deps = folder / "deps"
        deps.mkdir()
        line_site = Path(sysconfig.get_paths()["purelib"])
        for entry in line_site.iterdir():
            if not entry.name.lower().startswith(HIDDEN_FROM_THROWAWAY) and not entry.name.endswith(".pth"):
                (deps / entry.name).symlink_to(entry)
        (self.site / "_deps.pth").write_text(f"{deps}\n")

    def pip(self, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "pip", "--python", self.python, "--disable-pip-version-check",
                                 *args], capture_output=True, text=True, timeout=PIP_TIMEOUT_S, cwd=str(ROOT))
        if result.returncode != 0:
            raise AssertionError(f"pip {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result

    def install_hummingbot(self, *extra: str) -> None:
        self.pip("install", "--no-deps", "--no-compile", *extra, str(hummingbot_wheel()))

    def install_plugin(self) -> None:
        for stale in [ROOT / "build", *ROOT.glob("*.egg-info")]:
            subprocess.run(["rm", "-rf", str(stale)], check=True)
        try:
            self.pip("install", "--no-deps", "--no-build-isolation", "--no-compile", str(ROOT))
        finally:
            for stale in [ROOT / "build", *ROOT.glob("*.egg-info")]:
                subprocess.run(["rm", "-rf", str(stale)], check=True)

    def uninstall_plugin(self) -> None:
        self.pip("uninstall", "-y", "hummingbot-backpack")

    def dist_files(self, distribution: str) -> Dict[str, str]:
        """``{path relative to site-packages: recorded sha256}`` from the distribution's RECORD."""
        record = glob.glob(str(self.site / f"{distribution.replace('-', '_')}-*.dist-info" / "RECORD"))
        if not record:
            return {}
        entries = {}
        for line in Path(record[0]).read_text().splitlines():
            path, digest, _size = line.rsplit(",", 2)
            entries[path] = digest
        return entries

    def hummingbot_files_on_disk(self) -> Set[str]:
        found = set()
        for folder, dirs, files in os.walk(self.site / "hummingbot"):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            found.update(os.path.relpath(os.path.join(folder, f), self.site) for f in files)
        return found

    def hummingbot_files_differing_from_record(self) -> List[str]:
        """Files of Hummingbot's RECORD missing or not byte-identical to what its installer wrote."""
        bad = []
        for path, digest in self.dist_files("hummingbot").items():
            if not digest or "__pycache__" in path:
                continue
            file = self.site / path
            if not file.is_file():
                bad.append(f"missing {path}")
                continue
            algorithm, _, expected = digest.partition("=")
            actual = base64.urlsafe_b64encode(hashlib.new(algorithm, file.read_bytes()).digest()).rstrip(b"=")
            if actual.decode() != expected:
                bad.append(f"changed {path}")
        return bad

    def probe(self, cwd: Path = None) -> dict:
        """What Hummingbot resolves in this venv (run from `cwd`, e.g. a checkout's root): registry entries,
        modules, candles and rate source, and the warnings our plugin logged."""
        script = textwrap.dedent("""
            import json, sys
            from hummingbot.client.settings import AllConnectorSettings
            settings = AllConnectorSettings.create_connector_settings() or AllConnectorSettings.all_connector_settings
            import hummingbot.client.hummingbot_application  # noqa: F401  (what `bin/hummingbot.py` starts)
            from hummingbot.data_feed.candles_feed.candles_factory import CandlesFactory
            from hummingbot.core.rate_oracle.rate_oracle import RATE_ORACLE_SOURCES
            def file_of(obj):
                return sys.modules[obj.__module__].__file__ if obj is not None else None
            out = {"registry": sorted(n for n in settings if n.startswith("backpack"))}
            for name, module in (("backpack", "hummingbot.connector.exchange.backpack.backpack_utils"),
                                 ("backpack_perpetual",
                                  "hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_utils")):
                if name in settings:
                    __import__(module)
                    out[name] = sys.modules[module].__file__
            for name in ("backpack", "backpack_perpetual"):
                out["candles_" + name] = file_of(CandlesFactory._candles_map.get(name))
            out["rate_source"] = file_of(RATE_ORACLE_SOURCES.get("backpack"))
            out["hook"] = any(type(f).__name__ == "BackpackFinder" for f in sys.meta_path)
            print("PROBE" + json.dumps(out))
        """)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "HUMMINGBOT_HOME")}
        result = subprocess.run([self.python, "-c", script], capture_output=True, text=True, timeout=180,
                                cwd=str(cwd or self.folder), env=env)
        if result.returncode != 0:
            raise AssertionError(f"Hummingbot does not start in {self.folder}:\n{result.stderr[-4000:]}")
        line = [x for x in result.stdout.splitlines() if x.startswith("PROBE")][-1]
        found = json.loads(line[len("PROBE"):])
        found["untested_warnings"] = [x for x in result.stderr.splitlines() if "has not been tested with" in x]
        return found
