"""Query-parameter helpers shared by the read endpoints: integers, paging, sort order, market types."""
from typing import Any, List, Mapping, Optional

from backpack_emulator.errors import bad_request


def is_ascii_digits(text: str) -> bool:
    """0-9 only: str.isdigit() also accepts digits such as '²' that int() then refuses."""
    return text.isascii() and text.isdigit()


def int_param(params: Mapping[str, Any], key: str, default: Optional[int], maximum: Optional[int] = None) -> Optional[int]:
    raw = params.get(key)
    if raw is None or raw == "":
        return default
    text = str(raw)
    if not is_ascii_digits(text.lstrip("-")):
        raise bad_request(f"Invalid `{key}`: expected an integer")
    value = int(text)
    if value < 0:
        raise bad_request(f"Invalid `{key}`: must not be negative")
    return min(value, maximum) if maximum is not None else value


def page(items: List[Any], params: Mapping[str, Any], default_limit: int = 100, max_limit: int = 1000) -> List[Any]:
    limit = int_param(params, "limit", default_limit, max_limit)
    offset = int_param(params, "offset", 0)
    return items[offset:offset + limit]


SORT_DIRECTIONS = ("Asc", "Desc")  # bpx-api-client `SortDirection` (PascalCase)


def sort_direction(params: Mapping[str, Any], default: str = "Desc") -> str:
    """`sortDirection` of a history query; Backpack does not document the default (the server's setting)."""
    direction = params.get("sortDirection", default)
    if direction not in SORT_DIRECTIONS:
        raise bad_request("Invalid `sortDirection`: expected Asc or Desc")
    return direction


def market_types(params: Any) -> Optional[List[str]]:
    values = params.getall("marketType", []) if hasattr(params, "getall") else (
        [params["marketType"]] if params.get("marketType") else [])
    return values or None
