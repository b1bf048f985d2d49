"""Describes the machine a bench ran on (for bench/RESULTS.md)."""
import os
import platform
from importlib import metadata
from typing import Dict


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe() -> Dict[str, str]:
    return {
        "cpu": cpu_model(),
        "cores": str(os.cpu_count()),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "hummingbot": _version("hummingbot"),
        "pynacl": _version("pynacl"),
        "aiohttp": _version("aiohttp"),
    }
