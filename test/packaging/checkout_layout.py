"""A Hummingbot source checkout (the official Docker image's layout) reproduced without git or Docker.

Checkouts and the image compile Hummingbot in place (`python setup.py build_ext --inplace`) and never
pip-install it: there is no `hummingbot` dist-info, `hummingbot/VERSION` says the version, and Hummingbot runs
as `./bin/hummingbot_quickstart.py` from the checkout's root. Here:
- `<folder>/checkout/hummingbot/`: the line's compiled package, unpacked from its wheel (.cache/hb-wheels/);
- `<folder>/checkout/bin/hummingbot_quickstart.py`: Hummingbot's own quickstart, from the same wheel;
- `bin/path_util.py` and `bin/hummingbot.py`, which a checkout has but neither Hummingbot's wheel nor its sdist
  ships (and GitHub is out of reach here): stand-ins. path_util puts the checkout's root on the path, as a
  checkout's does in its development set-up; bin/hummingbot.py is this repository's (it provides what the
  quickstart imports from it: UIStartListener, detect_available_port);
- `conf/ logs/ data/ scripts/ controllers/`: empty, as mounted into a fresh container;
- `<folder>/venv`: Hummingbot's dependencies (those of the line's venv) and no Hummingbot.
"""
import hashlib
import os
import shutil
import zipfile
from pathlib import Path
from typing import Dict

from test.packaging.lifecycle_support import ROOT, ThrowawayVenv, hummingbot_wheel

PATH_UTIL_STAND_IN = '''"""Stand-in for a checkout's bin/path_util.py (development set-up): its root first on the path."""
import sys
from os.path import join, realpath

sys.path.insert(0, realpath(join(__file__, "../../")))
'''
BOT_FOLDERS = ("conf", "conf/connectors", "conf/scripts", "conf/strategies", "conf/controllers", "logs", "data",
               "scripts", "controllers")


class CheckoutLayout:
    def __init__(self, folder: Path):
        self.folder = folder
        self.root = folder / "checkout"
        self._unpack()
        self.venv = ThrowawayVenv(folder / "venv")

    def _unpack(self) -> None:
        with zipfile.ZipFile(hummingbot_wheel()) as wheel:
            for name in wheel.namelist():
                if name.startswith("hummingbot/") and not name.endswith("/"):
                    wheel.extract(name, self.root)
                elif name.endswith(".data/scripts/hummingbot_quickstart.py"):
                    (self.root / "bin").mkdir(parents=True, exist_ok=True)
                    (self.root / "bin" / "hummingbot_quickstart.py").write_bytes(wheel.read(name))
        for extracted in (self.root / "hummingbot").rglob("*.so"):
            extracted.chmod(0o755)
        (self.root / "bin" / "__init__.py").write_text("")
        (self.root / "bin" / "path_util.py").write_text(PATH_UTIL_STAND_IN)
        shutil.copyfile(ROOT / "bin" / "hummingbot.py", self.root / "bin" / "hummingbot.py")
        for name in BOT_FOLDERS:
            (self.root / name).mkdir(parents=True, exist_ok=True)

    @property
    def version_file(self) -> Path:
        return self.root / "hummingbot" / "VERSION"

    def hummingbot_tree(self) -> Dict[str, str]:
        """sha256 of every file of the checkout's `hummingbot/` (bytecode caches aside)."""
        tree = {}
        for path in sorted((self.root / "hummingbot").rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                tree[os.path.relpath(path, self.root)] = hashlib.sha256(path.read_bytes()).hexdigest()
        return tree
