import asyncio
import logging
from typing import Any, Dict, List, Optional

import numpy as np
import pandas as pd

from hummingbot.connector.exchange.backpack import backpack_web_utils as web_utils
from hummingbot.core.network_iterator import NetworkStatus
from hummingbot.data_feed.candles_feed.backpack_spot_candles import constants as CONSTANTS
from hummingbot.data_feed.candles_feed.backpack_spot_candles.kline_parsing import (
    fill_empty_buckets,
    rest_klines_to_candles,
    ws_kline_to_candle,
)
from hummingbot.data_feed.candles_feed.candles_base import CandlesBase
from hummingbot.data_feed.candles_feed.data_types import HistoricalCandlesConfig
from hummingbot.logger import HummingbotLogger

# Calendar months have no fixed length: their empty buckets are not filled in.
CALENDAR_INTERVALS = ("1M",)


class BackpackSpotCandles(CandlesBase):
    """Backpack spot klines: REST ``GET /api/v1/klines`` for history, WS ``kline.<interval>.<symbol>`` live."""

    _logger: Optional[HummingbotLogger] = None

    @classmethod
    def logger(cls) -> HummingbotLogger:
        if cls._logger is None:
            cls._logger = logging.getLogger(__name__)
        return cls._logger

    def __init__(self, trading_pair: str, interval: str = "1m", max_records: int = 150):
        # Hummingbot's base only logs a bad interval and then fails obscurely: say what is wrong.
        if interval not in CONSTANTS.INTERVALS:
            raise ValueError(f"Interval {interval!r} is not supported by Backpack; "
                             f"use one of {', '.join(CONSTANTS.INTERVALS)}")
        base, _, quote = str(trading_pair).partition("-")
        if not base or not quote or "-" in quote:
            raise ValueError(f"Trading pair {trading_pair!r} is not of the form BASE-QUOTE (e.g. SOL-USDC)")
        # Read the endpoints now (not at import) so BACKPACK_REST_URL / BACKPACK_WS_URL set
        # before the feed is created are honoured.
        self._rest_base_url = web_utils.rest_base_url()
        self._ws_url = web_utils.ws_base_url()
        super().__init__(trading_pair, interval, max_records)

    @property
    def name(self) -> str:
        return f"backpack_{self._trading_pair}"

    @property
    def rest_url(self) -> str:
        return self._rest_base_url

    @property
    def wss_url(self) -> str:
        return self._ws_url

    @property
    def health_check_url(self) -> str:
        return self.rest_url + CONSTANTS.HEALTH_CHECK_ENDPOINT

    @property
    def candles_url(self) -> str:
        return self.rest_url + CONSTANTS.CANDLES_ENDPOINT

    @property
    def candles_endpoint(self) -> str:
        return CONSTANTS.CANDLES_ENDPOINT

    @property
    def candles_max_result_per_rest_request(self) -> int:
        return CONSTANTS.MAX_RESULTS_PER_CANDLESTICK_REST_REQUEST

    @property
    def rate_limits(self):
        return CONSTANTS.RATE_LIMITS

    @property
    def intervals(self):
        return CONSTANTS.INTERVALS

    async def check_network(self) -> NetworkStatus:
        rest_assistant = await self._api_factory.get_rest_assistant()
        # /api/v1/ping answers a text/plain "pong", which is not JSON: only the status is checked
        # (an error status raises).
        await rest_assistant.execute_request_and_get_response(url=self.health_check_url,
                                                              throttler_limit_id=CONSTANTS.HEALTH_CHECK_ENDPOINT)
        return NetworkStatus.CONNECTED

    def get_exchange_trading_pair(self, trading_pair: str) -> str:
        return trading_pair.replace("-", "_")

    # --- REST history ---

    def _get_rest_candles_params(self,
                                 start_time: Optional[int] = None,
                                 end_time: Optional[int] = None,
                                 limit: Optional[int] = None) -> Dict[str, Any]:
        # Backpack takes Unix seconds and requires startTime; it has no limit parameter.
        params: Dict[str, Any] = {
            "symbol": self._ex_trading_pair,
            "interval": CONSTANTS.INTERVALS[self.interval],
            "startTime": int(start_time),
        }
        if end_time is not None:
            params["endTime"] = int(end_time)
        return params

    @property
    def _is_last_candle_not_included_in_rest_request(self) -> bool:
        # Whether endTime is inclusive is undocumented: ask for one more bucket so the one starting
        # at end_time always comes back (Hummingbot filters the surplus out).
        return True

    def _parse_rest_candles(self, data: List[Dict[str, Any]], end_time: Optional[int] = None) -> List[List[float]]:
        candles = rest_klines_to_candles(data)
        if self.interval in CALENDAR_INTERVALS:
            return candles
        until = None if end_time is None else min(end_time, self._time())
        return fill_empty_buckets(candles, self.interval_in_seconds, until)

    async def fetch_candles(self,
                            start_time: Optional[int] = None,
                            end_time: Optional[int] = None,
                            limit: Optional[int] = None) -> np.ndarray:
        candles = await super().fetch_candles(start_time=start_time, end_time=end_time, limit=limit)
        # An empty page must still be a 2-D array: Hummingbot indexes candles[:, 0].
        return candles.reshape(-1, len(self.columns)) if candles.size == 0 else candles

    async def get_historical_candles(self, config: HistoricalCandlesConfig) -> pd.DataFrame:
        # Hummingbot's paging loop appends its last page without de-duplicating it.
        candles = await super().get_historical_candles(config)
        unique = candles.drop_duplicates(subset=["timestamp"], keep="last")
        return unique.sort_values("timestamp").reset_index(drop=True)

    async def fill_historical_candles(self):
        """Prepend REST history to the live candles until ``max_records`` are held.

        Unlike the base loop, this stops when Backpack has nothing older (a young market or a
        short-lived emulator), instead of asking again forever against the 30/min klines budget.
        """
        while not self.ready:
            await self._ws_candle_available.wait()
            try:
                if await self._prepend_older_candles() == 0:
                    self.logger().info(f"No older Backpack klines for {self._trading_pair} {self.interval}: "
                                       f"holding {len(self._candles)} of {self.max_records} candles.")
                    break
            except (asyncio.CancelledError, ValueError):
                raise
            except Exception:
                self.logger().exception("Unexpected error while fetching Backpack klines history. "
                                        "Retrying in 1 second...")
                await self._sleep(1.0)
        self.check_candles_sorted_and_equidistant(np.array(self._candles))

    async def _prepend_older_candles(self) -> int:
        # Candle timestamps already are bucket starts; Hummingbot's rounding to multiples of the
        # interval would misplace Backpack's Monday weeks and calendar months.
        oldest_start = int(self._candles[0][0])
        missing = self._candles.maxlen - len(self._candles)
        candles = await self.fetch_candles(end_time=oldest_start, limit=missing)
        older = candles[candles[:, 0] < oldest_start][-missing:]
        self._candles.extendleft(older[::-1])
        return len(older)

    def check_candles_sorted_and_equidistant(self, candles: np.ndarray):
        if self.interval not in CALENDAR_INTERVALS:
            return super().check_candles_sorted_and_equidistant(candles)
        # Months differ in length: only the order can be checked (the base would reset every time).
        if len(self._candles) > 1 and not np.all(np.diff(candles[:, 0].astype(float)) > 0):
            self.logger().warning("Candles are not sorted by timestamp in ascending order.")
            self._reset_candles()

    # --- WS live candles ---

    @property
    def kline_stream(self) -> str:
        return f"{CONSTANTS.KLINE_STREAM_PREFIX}.{CONSTANTS.INTERVALS[self.interval]}.{self._ex_trading_pair}"

    def ws_subscription_payload(self) -> Dict[str, Any]:
        return {"method": "SUBSCRIBE", "params": [self.kline_stream]}

    def _parse_websocket_message(self, data: Any) -> Optional[Dict[str, float]]:
        # The connection carries only our stream; anything else (acks, errors) is ignored.
        if not isinstance(data, dict) or data.get("stream", self.kline_stream) != self.kline_stream:
            return None
        event = data.get("data", data)
        if isinstance(event, dict) and event.get("s", self._ex_trading_pair) != self._ex_trading_pair:
            return None
        candle = ws_kline_to_candle(data)
        if candle is not None:
            self._close_live_gap(before=candle["timestamp"])
        return candle

    def _close_live_gap(self, before: float):
        """Backpack streams nothing for a bucket without trades: before a newer candle is appended,
        the buckets skipped since the last one become flat candles, so the frame stays equidistant."""
        if not self._candles or self.interval in CALENDAR_INTERVALS:
            return
        last = [float(value) for value in self._candles[-1]]
        flats = fill_empty_buckets([last], self.interval_in_seconds, until=before - self.interval_in_seconds)[1:]
        self._candles.extend(np.array(flat) for flat in flats)
