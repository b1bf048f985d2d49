"""Hummingbot releases: the supported range, the releases tested, and which Hummingbot this process runs.

Every Hummingbot release from FIRST_RELEASE on is supported: installing the plugin never checks, requires or
changes Hummingbot (setup.py has no requirement on it). A Hummingbot that is not one of TESTED_RELEASES gets
ONE warning when Hummingbot loads our connectors (`warn_once_if_untested`, called at registration), never a
refusal. The version comes from Hummingbot's dist-info when it was pip-installed, else from the
`hummingbot/VERSION` file a source checkout or the official Docker image has (they compile Hummingbot in
place and never pip-install it). Nothing here imports Hummingbot.
"""
import importlib.util
import logging
import os
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

FIRST_RELEASE = "20251103"
# Hummingbot's releases on PyPI from FIRST_RELEASE on, as known when this plugin version was made
# (`make compat` loops over them).
KNOWN_RELEASES: Tuple[str, ...] = (
    "20251103", "20251215", "20260126", "20260201", "20260302", "20260402", "20260410", "20260415", "20260421",
    "20260430", "20260510", "20260520", "20260521", "20260601", "20260610", "20260616", "20260729", "20260901",
    "20260920", "20260922",
)
# Releases whose install, registry and connector end-to-end tests passed (`make compat`, README table), with
# the `hummingbot/VERSION` their package ships: a checkout or image showing that text is the same code line.
TESTED_RELEASES: Dict[str, str] = {
    "20251103": "dev-2.11.0", "20251215": "dev-2.12.0", "20260126": "dev-2.13.0", "20260201": "dev-2.13.0",
    "20260302": "dev-2.13.0", "20260402": "dev-2.14.0", "20260410": "dev-2.14.0", "20260415": "dev-2.14.0",
    "20260421": "dev-2.15.0", "20260430": "dev-2.15.0", "20260510": "dev-2.15.0", "20260520": "dev-2.15.0",
    "20260521": "dev-2.15.0", "20260601": "dev-2.15.0", "20260610": "2.15.0", "20260616": "dev-2.16",
    "20260729": "2.16.0", "20260901": "dev-2.17.0", "20260920": "dev-2.17.0", "20260922": "dev-2.18.0",
}

logger = logging.getLogger("hummingbot_backpack")
_warned = False


@dataclass(frozen=True)
class HummingbotFound:
    package_dir: str
    release: Optional[str]  # from a dist-info of the imported package (pip-installed)
    version_file: Optional[str]  # the text of hummingbot/VERSION, when there is one

    def describe(self) -> str:
        if self.release is not None:
            return f"Hummingbot {self.release}"
        return f"Hummingbot built from source, version {self.version_file or 'unknown'} ({self.package_dir})"


def find_hummingbot() -> Optional[HummingbotFound]:
    """The Hummingbot package Python would import, without importing it; None when there is none."""
    try:
        spec = importlib.util.find_spec("hummingbot")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    package_dir = os.path.realpath(list(spec.submodule_search_locations)[0])
    return HummingbotFound(package_dir, _release_of(package_dir), _version_file(package_dir))


def _release_of(package_dir: str) -> Optional[str]:
    """The version of the `hummingbot` distribution whose files ARE this package (a dist-info elsewhere on the
    path, e.g. a second copy in site-packages behind a checkout, says nothing about this one)."""
    from importlib import metadata

    try:
        distribution = metadata.distribution("hummingbot")
    except metadata.PackageNotFoundError:
        return None
    if os.path.realpath(str(distribution.locate_file("hummingbot"))) != package_dir:
        return None
    return distribution.version.split(".dev")[0]


def _version_file(package_dir: str) -> Optional[str]:
    try:
        with open(os.path.join(package_dir, "VERSION")) as handle:
            return handle.read().strip() or None
    except OSError:
        return None


def untested_warning(found: Optional[HummingbotFound]) -> Optional[str]:
    """The warning for a Hummingbot we did not test, or None (tested, or no Hummingbot at all)."""
    if found is None:
        return None
    if found.release is not None and found.release in TESTED_RELEASES:
        return None
    if found.release is None and found.version_file in TESTED_RELEASES.values():
        return None
    tested = ", ".join(f"{release} ({version})" for release, version in TESTED_RELEASES.items())
    if found.release is not None and found.release < FIRST_RELEASE:
        support = f"it is older than {FIRST_RELEASE}, the first release this plugin supports"
    else:
        support = "it should work (every release from %s on is supported), but it was not tested" % FIRST_RELEASE
    return (f"hummingbot-backpack {plugin_version()} has not been tested with {found.describe()}: {support}. "
            f"Tested releases (hummingbot/VERSION): {tested}. If something fails, report it with this line.")


def warn_once_if_untested() -> Optional[str]:
    """Logs the warning once per process (Hummingbot imports our connector settings at start). Never raises."""
    global _warned
    if _warned:
        return None
    _warned = True
    try:
        message = untested_warning(find_hummingbot())
    except Exception as error:  # must never break Hummingbot's start
        message = f"hummingbot-backpack could not tell which Hummingbot runs here: {error!r}"
    if message:
        logger.warning(message)
    return message


def plugin_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("hummingbot-backpack")
    except metadata.PackageNotFoundError:
        return "(not installed)"
