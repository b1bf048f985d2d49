"""Backpack error responses: ``{"code": <ApiErrorCode>, "message": <text>}`` with an HTTP status."""
from typing import Dict, Optional


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, plain: bool = False,
                 malformed: Optional[bool] = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.plain = plain  # answered as text/plain, not JSON
        # A request the typed decoder refused (listed in the request log's refusals); by default the plain ones.
        self.malformed = plain if malformed is None else malformed

    def body(self) -> Dict[str, str]:
        return {"code": self.code, "message": self.message}


def bad_request(message: str, code: str = "INVALID_CLIENT_REQUEST") -> ApiError:
    return ApiError(400, code, message)


def not_found(message: str = "Not Found") -> ApiError:
    return ApiError(404, "RESOURCE_NOT_FOUND", message)


INVALID_SIGNATURE_MESSAGE = "Invalid signature"
EXPIRED_MESSAGE = "Request has expired"
POST_ONLY_CROSS_MESSAGE = "Order would immediately match and take liquidity"
UNKNOWN_ERROR_MESSAGE = "Unknown error, please check your request or try again later."


def expired() -> ApiError:
    """A request past X-Timestamp + X-Window: live answers 401 with the plain-text body `Request has expired`
    (an issue log of a live client: "Response code 401 (Unauthorized) Request has expired")."""
    return ApiError(401, "", EXPIRED_MESSAGE, plain=True, malformed=False)
