"""Distribution `hummingbot-backpack`: Backpack Exchange connectors for Hummingbot, plus the local emulator.

Only leaf packages (folders that have their own ``__init__.py``) are listed, so installing never
ships, overwrites or (on uninstall) deletes one of Hummingbot's own parent ``__init__.py`` files.
"""
import os

from setuptools import setup

OUR_ROOTS = ("hummingbot", "backpack_emulator")


def leaf_packages() -> list:
    packages = []
    for root in OUR_ROOTS:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            if "__init__.py" in files:
                packages.append(folder.replace(os.sep, "."))
    forbidden = {"hummingbot", "hummingbot.connector", "hummingbot.connector.exchange",
                 "hummingbot.connector.derivative", "hummingbot.data_feed",
                 "hummingbot.data_feed.candles_feed"}
    clash = forbidden.intersection(packages)
    if clash:
        raise SystemExit(f"refusing to ship Hummingbot's own packages: {sorted(clash)}")
    return sorted(packages)


setup(
    name="hummingbot-backpack",
    version="0.1.0",
    description="Backpack Exchange spot and perpetual connectors for Hummingbot, with a local exchange emulator",
    python_requires=">=3.12,<3.13",
    packages=leaf_packages(),
    package_data={"": ["*.json", "*.yml"]},
    install_requires=["pynacl>=1.5"],
    entry_points={"console_scripts": ["backpack-emulator=backpack_emulator.cli:main"]},
)
