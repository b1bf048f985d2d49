"""`BackpackSignedRequest`: a signed request with a JSON body (order create, cancel, account change), sent
straight on the connector's aiohttp session.

An order create or cancel is the request whose latency a trader feels. Through Hummingbot's `RESTAssistant` it passes
several layers before it is sent (a new assistant per request, the body dumped to JSON and parsed back for
signing, pre-processors, the response wrapped and post-processed), which cost as much as the ED25519
signature itself (bench/round_trip_bench.py). This sends the same request with the same steps, in order:
- waits while the account's 429 back-off pauses requests, then for room in the shared throttler (same limit
  id, the path; booked there), then syncs the clock once if it never was (the two pre-processors of
  `backpack_web_utils.build_api_factory`, which Hummingbot's assistant also runs after the throttler);
- only then signs the payload dict itself (`backpack_auth.signing_string`, what `BackpackAuth.rest_authenticate`
  signs after parsing the JSON back) and sends its JSON. A request signed before those waits could spend its
  whole signature window (X-Window, 5 s) in them under load and be refused as "Request has expired";
- `wire_timeout` bounds the time on the wire only (sending to the answer read): the waits before it send
  nothing, so running out of time in them is no "no answer" (an order create that never left the process is
  not of unknown outcome);
- records a 429 (or a success) in the back-off, as the post-processor does;
- raises Hummingbot's `IOError("Error executing request <METHOD> <url>. HTTP status is <status>. Error: <body>")`
  for an error answer, so `backpack_errors` reads it as before, and lets aiohttp's own errors and timeouts
  through unchanged (`is_outcome_unknown`: the order may exist);
- returns the HTTP status with the decoded body, None for an answer without one (a 202 cancel).
The session is Hummingbot's shared one (its connections factory), so aioresponses and proxies see it too.
"""
import asyncio
import json
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple, Union

import aiohttp

from hummingbot.connector.exchange.backpack.backpack_auth import BackpackAuth
from hummingbot.connector.exchange.backpack.backpack_rate_limits import RateLimitBackoff, retry_after_seconds
from hummingbot.connector.time_synchronizer import TimeSynchronizer
from hummingbot.core.api_throttler.async_throttler import AsyncThrottler
from hummingbot.core.web_assistant.connections.data_types import RESTMethod

TOO_MANY_REQUESTS = 429


class BackpackSignedRequest:
    def __init__(self, auth: BackpackAuth, throttler: AsyncThrottler, backoff: RateLimitBackoff,
                 time_synchronizer: TimeSynchronizer, sync_clock: Callable[[], Awaitable[None]],
                 session: Callable[[], Awaitable[aiohttp.ClientSession]]):
        self._auth = auth
        self._throttler = throttler
        self._backoff = backoff
        self._time_synchronizer = time_synchronizer
        self._sync_clock = sync_clock
        self._session = session

    async def send(self, method: RESTMethod, url: str, limit_id: str,
                   payload: Union[Dict[str, Any], List[Dict[str, Any]]],
                   wire_timeout: Optional[float] = None) -> Tuple[int, Optional[Any]]:
        await self._backoff.wait_if_paused()
        async with self._throttler.execute_task(limit_id=limit_id):
            while self._backoff.remaining_pause() > 0:  # a 429 of another request while this one waited for room
                await self._backoff.wait_if_paused()
            if not self._time_synchronizer._time_offset_ms:
                await self._sync_clock()
            session = await self._session()
            headers = self._auth.signed_request_headers(method, url, payload)  # signed as it leaves (module notes)
            body = json.dumps(payload)
            async with asyncio.timeout(wire_timeout):
                async with session.request(method.value, url, data=body, headers=headers) as response:
                    # The bytes, not `text()`: it looks for the charset in the headers on every answer (JSON is UTF-8).
                    status, raw = response.status, await response.read()
        if status == TOO_MANY_REQUESTS:
            self._backoff.on_rate_limited(retry_after_seconds(response.headers))
        elif status < 400:
            self._backoff.on_success()
        if status >= 400:
            text = raw.decode("utf-8", "replace")
            error_text = "N/A" if "<html" in text else text
            raise IOError(f"Error executing request {method.name} {url}. HTTP status is {status}. Error: {error_text}")
        return status, (json.loads(raw) if raw.strip() else None)
