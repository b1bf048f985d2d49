"""Checks JSON values against the transcription of Backpack's official types (official_types.json).

`problems(value, spec)` lists every difference: a required field missing or null, a field the
official type does not have, a wrong JSON type, an enum spelling, a timestamp in the wrong unit.
"""
import json
import re
from pathlib import Path
from typing import Any, Dict, List

OFFICIAL = json.loads((Path(__file__).with_name("official_types.json")).read_text())
TYPES: Dict[str, Dict[str, Any]] = OFFICIAL["types"]
UNIONS: Dict[str, Dict[str, Any]] = OFFICIAL["unions"]

DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
DIGITS = re.compile(r"[0-9]+")
DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?")
DATETIME_SPACE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
MS_RANGE = (10**12, 10**13)  # 2001 .. 2286 in milliseconds
US_RANGE = (10**15, 10**16)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def problems(value: Any, spec: str, where: str = "$") -> List[str]:
    optional = spec.endswith("?")
    spec = spec.rstrip("?")
    if value is None:
        return [] if optional else [f"{where}: null where {spec} is required"]
    if spec.startswith("array<"):
        if not isinstance(value, list):
            return [f"{where}: expected an array, got {type(value).__name__}"]
        inner = spec[len("array<"):-1]
        return [p for i, item in enumerate(value) for p in problems(item, inner, f"{where}[{i}]")]
    if spec.startswith("map<"):
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {type(value).__name__}"]
        inner = spec[len("map<"):-1]
        return [p for key, item in value.items() for p in problems(item, inner, f"{where}.{key}")]
    if spec.startswith("enum("):
        allowed = spec[len("enum("):-1].split("|")
        return [] if isinstance(value, str) and value in allowed else [f"{where}: {value!r} is not one of {allowed}"]
    if spec in UNIONS:
        return _union(value, spec, where)
    if spec in TYPES:
        return _object(value, spec, where)
    return _scalar(value, spec, where)


def _union(value: Any, name: str, where: str) -> List[str]:
    union = UNIONS[name]
    if not isinstance(value, dict) or value.get(union["tag"]) not in union["cases"]:
        return [f"{where}: {name} needs {union['tag']} in {sorted(union['cases'])}"]
    case = union["cases"][value[union["tag"]]]
    if union["tag"] == "operation" and case in UNIONS:  # an Ok batch item: an Order plus `operation`
        value = {k: v for k, v in value.items() if k != "operation"}
    return problems(value, case, where)


def _object(value: Any, name: str, where: str) -> List[str]:
    if not isinstance(value, dict):
        return [f"{where}: expected {name} (an object), got {type(value).__name__}"]
    fields = TYPES[name]["fields"]
    found = [f"{where}.{key}: not a field of {name}" for key in value if key not in fields]
    for key, spec in fields.items():
        if key not in value:
            if not spec.endswith("?"):
                found.append(f"{where}.{key}: missing (required in {name})")
            continue
        found += problems(value[key], spec, f"{where}.{key}")
    return found


def _scalar(value: Any, spec: str, where: str) -> List[str]:
    checks = {
        "string": lambda v: isinstance(v, str),
        "decimal": lambda v: isinstance(v, str) and DECIMAL.fullmatch(v) is not None,
        "digits": lambda v: isinstance(v, str) and DIGITS.fullmatch(v) is not None,
        "datetime": lambda v: isinstance(v, str) and DATETIME.fullmatch(v) is not None,
        "datetime_space": lambda v: isinstance(v, str) and DATETIME_SPACE.fullmatch(v) is not None,
        "int": _is_int,
        "int(ms)": lambda v: _is_int(v) and MS_RANGE[0] <= v < MS_RANGE[1],
        "int(us)": lambda v: _is_int(v) and US_RANGE[0] <= v < US_RANGE[1],
        "bool": lambda v: isinstance(v, bool),
        "pair": lambda v: isinstance(v, list) and len(v) == 2 and all(
            isinstance(x, str) and DECIMAL.fullmatch(x) for x in v),
    }
    if spec not in checks:
        raise KeyError(f"unknown spec {spec!r} at {where}")
    return [] if checks[spec](value) else [f"{where}: {value!r} is not {spec}"]
