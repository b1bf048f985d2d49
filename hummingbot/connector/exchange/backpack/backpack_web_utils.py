"""URL building, web assistants factory and server time for Backpack (shared by spot and perp).

Offers:
- `rest_base_url()` / `ws_base_url()`: the base URLs, read from the environment variables
  BACKPACK_REST_URL / BACKPACK_WS_URL when called (connectors call them once, at creation), with the
  real exchange as default;
- `rest_url(path, base_url)`, and Hummingbot's conventional `public_rest_url` / `private_rest_url`;
- `build_api_factory(...)`: a `WebAssistantsFactory` on the account's shared request pool (throttler +
  429 backoff) with the time-synchronizer pre-processor (backpack_web_assistants: WS frames decoded with ujson,
  requests copied shallowly);
- `get_current_server_time(...)`: `/api/v1/time` in milliseconds (the endpoint answers text/plain);
- `json_or_none(response)`: the decoded body, or None for an answer without content (`204`, empty body).
"""
import json
import os
from typing import Any, Callable, Optional

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_rate_limits import (
    BackoffRESTPostProcessor,
    BackoffRESTPreProcessor,
    RequestPool,
    shared_request_pool,
)
from hummingbot.connector.exchange.backpack.backpack_web_assistants import BackpackWebAssistantsFactory
from hummingbot.connector.time_synchronizer import TimeSynchronizer
from hummingbot.connector.utils import TimeSynchronizerRESTPreProcessor
from hummingbot.core.api_throttler.async_throttler import AsyncThrottler
from hummingbot.core.web_assistant.auth import AuthBase
from hummingbot.core.web_assistant.connections.data_types import RESTMethod, RESTResponse
from hummingbot.core.web_assistant.web_assistants_factory import WebAssistantsFactory


def _with_trailing_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def rest_base_url() -> str:
    return _with_trailing_slash(os.environ.get(CONSTANTS.REST_URL_ENV_VAR) or CONSTANTS.DEFAULT_REST_URL)


def ws_base_url() -> str:
    return os.environ.get(CONSTANTS.WS_URL_ENV_VAR) or CONSTANTS.DEFAULT_WS_URL


def rest_url(path_url: str, base_url: Optional[str] = None) -> str:
    return _with_trailing_slash(base_url or rest_base_url()) + path_url.lstrip("/")


def public_rest_url(path_url: str, domain: str = CONSTANTS.DEFAULT_DOMAIN) -> str:
    return rest_url(path_url)


def private_rest_url(path_url: str, domain: str = CONSTANTS.DEFAULT_DOMAIN) -> str:
    return rest_url(path_url)


def create_throttler(api_key: str = "") -> AsyncThrottler:
    return shared_request_pool(api_key).throttler


def build_api_factory(
        throttler: Optional[AsyncThrottler] = None,
        time_synchronizer: Optional[TimeSynchronizer] = None,
        domain: str = CONSTANTS.DEFAULT_DOMAIN,
        time_provider: Optional[Callable] = None,
        auth: Optional[AuthBase] = None,
        pool: Optional[RequestPool] = None,
        base_url: Optional[str] = None) -> WebAssistantsFactory:
    pool = pool or shared_request_pool(getattr(auth, "api_key", "") or "")
    throttler = throttler or pool.throttler
    time_synchronizer = time_synchronizer or TimeSynchronizer()
    base_url = base_url or rest_base_url()
    time_provider = time_provider or (lambda: get_current_server_time(throttler=throttler, base_url=base_url))
    return BackpackWebAssistantsFactory(
        throttler=throttler,
        auth=auth,
        rest_pre_processors=[
            BackoffRESTPreProcessor(pool.backoff),
            TimeSynchronizerRESTPreProcessor(synchronizer=time_synchronizer, time_provider=time_provider),
        ],
        rest_post_processors=[BackoffRESTPostProcessor(pool.backoff)],
    )


def build_api_factory_without_time_synchronizer_pre_processor(throttler: AsyncThrottler) -> WebAssistantsFactory:
    return WebAssistantsFactory(throttler=throttler)


async def get_current_server_time(throttler: Optional[AsyncThrottler] = None,
                                  domain: str = CONSTANTS.DEFAULT_DOMAIN,
                                  base_url: Optional[str] = None) -> float:
    throttler = throttler or create_throttler()
    api_factory = build_api_factory_without_time_synchronizer_pre_processor(throttler=throttler)
    rest_assistant = await api_factory.get_rest_assistant()
    response = await rest_assistant.execute_request(
        url=rest_url(CONSTANTS.SERVER_TIME_PATH_URL, base_url),
        method=RESTMethod.GET,
        throttler_limit_id=CONSTANTS.SERVER_TIME_PATH_URL,
    )
    return float(response)


async def json_or_none(response: RESTResponse) -> Optional[Any]:
    """Backpack may answer `204 No Content` with an empty body (`GET /api/v1/ticker` documents it).
    Hummingbot's `RESTResponse.json()` raises on that (no JSON content type): read the text instead."""
    if response.status == 204:
        return None
    text = await response.text()
    return json.loads(text) if text.strip() else None
