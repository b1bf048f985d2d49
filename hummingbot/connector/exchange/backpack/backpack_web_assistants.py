"""The web assistants of the Backpack connectors (spot and perp): Hummingbot's, with two changes.

- WS assistants read frames through `BackpackWSConnection` (ujson decoding, see backpack_ws_connection), and
  run the post-processors only when there are some (the connectors set none: Hummingbot awaits a coroutine
  per frame to run the empty list, public and private streams alike).
- REST assistants copy a request shallowly. Hummingbot's `RESTAssistant.call` deep-copies every request before
  pre-processing and signing it, a tenth of the connector's time in front of an order
  (bench/round_trip_bench.py). The copy only keeps the caller's request intact, and our pre-processors and
  `BackpackAuth` never change a request's dicts in place (they set new ones), so a shallow copy keeps it just
  as intact.
"""
import asyncio
import copy
from typing import AsyncGenerator, Optional

from hummingbot.connector.exchange.backpack.backpack_ws_connection import BackpackWSConnection
from hummingbot.core.web_assistant.connections.data_types import RESTRequest, RESTResponse, WSResponse
from hummingbot.core.web_assistant.rest_assistant import RESTAssistant
from hummingbot.core.web_assistant.web_assistants_factory import WebAssistantsFactory
from hummingbot.core.web_assistant.ws_assistant import WSAssistant


class BackpackRESTAssistant(RESTAssistant):

    async def call(self, request: RESTRequest, timeout: Optional[float] = None) -> RESTResponse:
        request = await self._pre_process_request(copy.copy(request))
        request = await self._authenticate(request)
        response = await asyncio.wait_for(self._connection.call(request), timeout)
        return await self._post_process_response(response)


class BackpackWSAssistant(WSAssistant):

    async def iter_messages(self) -> AsyncGenerator[Optional[WSResponse], None]:
        while self._connection.connected:
            response = await self._connection.receive()
            if response is not None:
                if self._ws_post_processors:
                    response = await self._post_process_response(response)
                yield response


class BackpackWebAssistantsFactory(WebAssistantsFactory):

    async def get_rest_assistant(self) -> RESTAssistant:
        return BackpackRESTAssistant(connection=await self._connections_factory.get_rest_connection(),
                                     throttler=self._throttler, rest_pre_processors=self._rest_pre_processors,
                                     rest_post_processors=self._rest_post_processors, auth=self._auth)

    async def get_ws_assistant(self) -> WSAssistant:
        session = (await self._connections_factory.get_ws_connection())._client_session
        return BackpackWSAssistant(BackpackWSConnection(aiohttp_client_session=session),
                                   self._ws_pre_processors, self._ws_post_processors, self._auth)
