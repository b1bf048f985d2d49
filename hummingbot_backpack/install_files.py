"""Copy this plugin's scripts, V2 controllers and example configs into a Hummingbot bot's folders.

    python -m hummingbot_backpack.install_files --target DIR [--force] [--dry-run]

DIR is the folder holding the bot's `scripts/`, `controllers/` and `conf/`: a Hummingbot source checkout's
root, or `/home/hummingbot` inside the official Docker image (where those folders are usually mounted from
the host: run it in the container, e.g. `docker compose run --rm <service> python -m
hummingbot_backpack.install_files --target /home/hummingbot`). In the plugin's own repository `make setup`
links these folders instead.

Only our files are written (`backpack*` scripts and their `backpack_support` package, the `backpack_*`
controllers, `backpack_*` example configs), plus an empty `__init__.py` where a controllers package lacks
one. A file that already exists is left alone (your edits survive) unless `--force`, which overwrites our
files (an upgrade) and still never touches an `__init__.py` or a file of another name.
"""
import argparse
import filecmp
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Tuple

# (folder, glob) of the files to install, relative to the files' root.
PATTERNS: Tuple[Tuple[str, str], ...] = (
    ("scripts", "backpack_*.py"),
    ("scripts", "my_backpack_strategy.py"),
    ("scripts/backpack_support", "*.py"),
    ("controllers/market_making", "backpack_*.py"),
    ("controllers/directional_trading", "backpack_*.py"),
    ("conf/controllers", "backpack_*.yml"),
    ("conf/scripts", "backpack_v2_*.yml"),
)
# Packages whose `__init__.py` must exist for the controllers to import (created empty when missing).
PACKAGES = ("controllers", "controllers/market_making", "controllers/directional_trading")
BUNDLE = "bot_files"  # where setup.py puts these files inside the installed package


def files_root() -> Path:
    """The installed copy (hummingbot_backpack/bot_files/), else this repository's root (not installed)."""
    here = Path(__file__).resolve().parent
    bundled = here / BUNDLE
    return bundled if bundled.is_dir() else here.parent


def our_files(root: Path) -> List[Path]:
    found = []
    for folder, pattern in PATTERNS:
        found.extend(sorted(path.relative_to(root) for path in (root / folder).glob(pattern) if path.is_file()))
    return found


@dataclass
class Report:
    copied: List[str] = field(default_factory=list)
    unchanged: List[str] = field(default_factory=list)
    kept: List[str] = field(default_factory=list)  # exists and differs: left alone (no --force)
    created_packages: List[str] = field(default_factory=list)


def install(target: Path, force: bool = False, dry_run: bool = False, root: Optional[Path] = None) -> Report:
    root = root or files_root()
    report = Report()
    for package in PACKAGES:
        init = target / package / "__init__.py"
        if not init.exists():
            report.created_packages.append(str(init.relative_to(target)))
            if not dry_run:
                init.parent.mkdir(parents=True, exist_ok=True)
                init.touch()
    for relative in our_files(root):
        source, destination = root / relative, target / relative
        if destination.exists() and filecmp.cmp(source, destination, shallow=False):
            report.unchanged.append(str(relative))
        elif destination.exists() and not force:
            report.kept.append(str(relative))
        else:
            report.copied.append(str(relative))
            if not dry_run:
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)
    return report


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Copy the Backpack scripts, controllers and example configs into "
                                                 "a Hummingbot bot's scripts/, controllers/ and conf/.")
    parser.add_argument("--target", required=True, help="the folder holding the bot's scripts/ controllers/ conf/ "
                                                        "(a checkout's root; /home/hummingbot in the Docker image)")
    parser.add_argument("--force", action="store_true", help="overwrite our files that differ (upgrade)")
    parser.add_argument("--dry-run", action="store_true", help="only say what would be written")
    args = parser.parse_args(argv)
    target = Path(args.target).expanduser()
    if not target.is_dir():
        print(f"error: {target} is not a folder", file=sys.stderr)
        return 2
    report = install(target, force=args.force, dry_run=args.dry_run)
    verb = "would copy" if args.dry_run else "copied"
    for path in report.created_packages:
        print(f"{'would create' if args.dry_run else 'created'} {target / path}")
    for path in report.copied:
        print(f"{verb} {target / path}")
    for path in report.kept:
        print(f"kept {target / path} (it differs from ours: --force overwrites it)")
    print(f"{len(report.copied)} {verb}, {len(report.unchanged)} already up to date, {len(report.kept)} kept "
          f"({os.fspath(target)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
