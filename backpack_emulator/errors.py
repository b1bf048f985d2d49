"""Backpack error responses: ``{"code": <ApiErrorCode>, "message": <text>}`` with an HTTP status."""
from typing import Dict


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, plain: bool = False) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.plain = plain  # a request the typed decoder refused: answered as text/plain, not JSON

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
