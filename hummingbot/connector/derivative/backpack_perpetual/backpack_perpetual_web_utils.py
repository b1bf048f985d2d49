"""The one web detail perps need beyond the shared `backpack_web_utils`: HTTP PATCH.

Backpack sets the account-wide leverage with `PATCH /api/v1/account`, but Hummingbot 2.10's
`RESTMethod` enum has no PATCH member (and an Enum cannot be extended). Hummingbot's REST assistant
and our signer only read a method's `name` / `value` and compare it with `RESTMethod.GET`, so a small
value object with the same two attributes is sent as a normal PATCH request.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class HTTPMethod:
    name: str
    value: str

    def __str__(self) -> str:
        return self.value


PATCH = HTTPMethod(name="PATCH", value="PATCH")
