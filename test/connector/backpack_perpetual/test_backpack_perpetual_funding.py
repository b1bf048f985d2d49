"""Funding: info from `/api/v1/markPrices` and `markPrice.<symbol>` (next funding time ms -> s), payments from
`/wapi/v1/history/funding` with paging, each emitted exactly once."""
import asyncio
import json
from decimal import Decimal
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase
from unittest.mock import AsyncMock

from aioresponses import aioresponses

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_web_utils as web_utils
from hummingbot.core.data_type.funding_info import FundingInfoUpdate
from hummingbot.core.event.event_forwarder import EventForwarder
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.helpers import ClosesSharedHttpSession, url_regex
from test.connector.backpack_perpetual.helpers import (
    OTHER_PAIR,
    OTHER_SYMBOL,
    PAIR,
    SYMBOL,
    funding_row,
    make_derivative,
)

MARK_PRICES_URL = url_regex(web_utils.rest_url(CONSTANTS.MARK_PRICES_PATH_URL))
FUNDING_URL = url_regex(web_utils.rest_url(CONSTANTS.FUNDING_HISTORY_PATH_URL))
HOUR = 3600
T0 = 1757620800  # 2025-09-11T20:00:00Z


class FundingCase(ClosesSharedHttpSession, IsolatedAsyncioWrapperTestCase):
    """A derivative of `PAIRS` (symbols `symbol(pair)`), its FundingPaymentCompleted events, mocked REST."""
    PAIRS = [PAIR]

    @staticmethod
    def symbol(pair: str) -> str:
        return pair.replace("-", "_") + "_PERP"

    async def asyncSetUp(self):
        await super().asyncSetUp()
        from bidict import bidict
        self.derivative = make_derivative(trading_pairs=self.PAIRS)
        self.derivative._set_trading_pair_symbol_map(bidict({self.symbol(p): p for p in self.PAIRS}))
        self.payments = []
        self.forwarder = EventForwarder(self.payments.append)  # keeps every event (EventLogger keeps 50)
        self.derivative.add_listener(MarketEvent.FundingPaymentCompleted, self.forwarder)
        self.mock_api = aioresponses()
        self.mock_api.start()

    async def asyncTearDown(self):
        self.mock_api.stop()
        await super().asyncTearDown()


class FundingTests(FundingCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.data_source = self.derivative._create_order_book_data_source()

    async def test_funding_info_from_rest_in_seconds(self):
        self.mock_api.get(MARK_PRICES_URL, body=json.dumps([
            {"fundingRate": "0.0001", "indexPrice": "180.1", "markPrice": "180.2",
             "nextFundingTimestamp": 1754956800000, "symbol": SYMBOL}]))
        info = await self.data_source.get_funding_info(PAIR)
        self.assertEqual((PAIR, Decimal("180.1"), Decimal("180.2"), 1754956800, Decimal("0.0001")),
                         (info.trading_pair, info.index_price, info.mark_price, info.next_funding_utc_timestamp,
                          info.rate))
        request = next(iter(self.mock_api.requests.values()))[0]
        self.assertEqual({"symbol": SYMBOL}, request.kwargs["params"])

    async def test_missing_mark_price_is_an_error(self):
        self.mock_api.get(MARK_PRICES_URL, body=json.dumps([]))
        with self.assertRaises(IOError):
            await self.data_source.get_funding_info(PAIR)

    async def test_mark_price_stream_subscribed_and_routed_to_funding_queue(self):
        ws = AsyncMock()
        await self.data_source._subscribe_channels(ws)
        payload = ws.send.call_args[0][0].payload
        self.assertEqual(["depth." + SYMBOL, "trade." + SYMBOL, "markPrice." + SYMBOL], payload["params"])
        frame = {"stream": "markPrice." + SYMBOL, "data": {"e": "markPrice", "E": 1, "s": SYMBOL, "p": "181.5",
                                                         "f": "-0.00002", "i": "181.4", "n": 1747296000000, "T": 1}}
        self.assertEqual("funding_info", self.data_source._channel_originating_message(frame))
        self.assertEqual("depth", self.data_source._channel_originating_message({"stream": "depth." + SYMBOL}))
        output = asyncio.Queue()
        await self.data_source._parse_funding_info_message(frame, output)
        self.assertEqual(FundingInfoUpdate(PAIR, index_price=Decimal("181.4"), mark_price=Decimal("181.5"),
                                           next_funding_utc_timestamp=1747296000, rate=Decimal("-0.00002")),
                         output.get_nowait())

    async def test_mark_price_of_prediction_market_without_rate_fields(self):
        output = asyncio.Queue()
        await self.data_source._parse_funding_info_message(
            {"stream": "markPrice." + SYMBOL, "data": {"e": "markPrice", "s": SYMBOL, "p": "1"}}, output)
        self.assertEqual(FundingInfoUpdate(PAIR, mark_price=Decimal("1")), output.get_nowait())

    def _funding_answer(self, rows):
        self.mock_api.get(FUNDING_URL, body=json.dumps(rows))

    def _requests(self):
        return [call for key, calls in self.mock_api.requests.items() for call in calls]

    async def test_start_records_history_without_events_then_each_new_payment_once(self):
        self._funding_answer([funding_row(SYMBOL, T0, "0.0001", "-0.5")])
        await self.derivative._update_funding_payment(PAIR, fire_event_on_new=False)
        self.assertEqual([], self.payments)
        # two intervals passed between polls: both are paid, oldest first, newest page first on the wire
        self._funding_answer([funding_row(SYMBOL, T0 + 2 * HOUR, "0.0003", "-1.5"),
                              funding_row(SYMBOL, T0 + HOUR, "-0.0002", "1"),
                              funding_row(SYMBOL, T0, "0.0001", "-0.5")])
        self.assertTrue(await self.derivative._update_funding_payment(PAIR, fire_event_on_new=True))
        self._funding_answer([funding_row(SYMBOL, T0 + 2 * HOUR, "0.0003", "-1.5")])
        self.assertTrue(await self.derivative._update_funding_payment(PAIR, fire_event_on_new=True))
        self.assertEqual([(T0 + HOUR, Decimal("-0.0002"), Decimal("1")),
                          (T0 + 2 * HOUR, Decimal("0.0003"), Decimal("-1.5"))],
                         [(e.timestamp, e.funding_rate, e.amount) for e in self.payments])
        self.assertEqual(("backpack_perpetual", PAIR), (self.payments[0].market, self.payments[0].trading_pair))
        params = self._requests()[1].kwargs["params"]
        self.assertEqual({"limit": "1000", "offset": "0", "sortDirection": "Desc"}, params)  # every market

    async def test_pages_until_the_last_known_payment(self):
        self.derivative._last_funding_fee_payment_ts[PAIR] = T0
        newest = [funding_row(SYMBOL, T0 + (1001 - i) * HOUR, "0.0001", "-0.1") for i in range(1000)]
        self._funding_answer(newest)  # page 1: 1000 newer payments
        self._funding_answer([funding_row(SYMBOL, T0 + HOUR, "0.0001", "-0.2"),
                              funding_row(SYMBOL, T0, "0.0001", "-0.3")])  # page 2 reaches the known one
        await self.derivative._update_funding_payment(PAIR, fire_event_on_new=True)
        self.assertEqual(1001, len(self.payments))
        self.assertEqual(T0 + HOUR, self.payments[0].timestamp)
        self.assertEqual(Decimal("-0.2"), self.payments[0].amount)
        self.assertEqual(["0", "1000"], [c.kwargs["params"]["offset"] for c in self._requests()])
        self.assertEqual(T0 + 1001 * HOUR, self.derivative._last_funding_fee_payment_ts[PAIR])

    async def test_no_history_at_start_then_first_payment_is_emitted(self):
        self._funding_answer([])
        await self.derivative._update_funding_payment(PAIR, fire_event_on_new=False)
        self._funding_answer([funding_row(SYMBOL, T0, "0.0001", "0.25")])
        await self.derivative._update_funding_payment(PAIR, fire_event_on_new=True)
        self.assertEqual([Decimal("0.25")], [e.amount for e in self.payments])

    async def test_failed_poll_reports_false_and_emits_nothing(self):
        self.derivative._last_funding_fee_payment_ts[PAIR] = T0
        self.mock_api.get(FUNDING_URL, status=503, body=json.dumps({"code": "SERVER_ERROR", "message": "down"}))
        self.assertFalse(await self.derivative._update_funding_payment(PAIR, fire_event_on_new=True))
        self.assertEqual([], self.payments)

    async def test_last_fee_payment_is_the_newest(self):
        self._funding_answer([funding_row(SYMBOL, T0 + HOUR, "0.0002", "-2"),
                              funding_row(SYMBOL, T0, "0.0001", "-1")])
        self.assertEqual((T0 + HOUR, Decimal("0.0002"), Decimal("-2")),
                         await self.derivative._fetch_last_fee_payment(PAIR))
        self._funding_answer([])
        self.assertEqual((0, Decimal("-1"), Decimal("-1")), await self.derivative._fetch_last_fee_payment(PAIR))


class NetworkRestartFundingTests(FundingCase):
    """Issue 22 item 6: Hummingbot stops the network when its connectivity check fails and starts it again when
    it passes; a payment made in between is reported by the first poll of the new network (Hummingbot's first
    round, `fire_event_on_new=False`), not taken as history."""

    async def poll_loop_until_requests(self, count: int) -> asyncio.Task:
        loop = asyncio.ensure_future(self.derivative._funding_payment_polling_loop())
        for _ in range(200):
            if len([c for calls in self.mock_api.requests.values() for c in calls]) >= count:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        return loop

    async def test_payment_made_while_the_network_was_stopped_is_reported_once(self):
        self.mock_api.get(FUNDING_URL, body=json.dumps([funding_row(SYMBOL, T0, "0.0001", "-0.5")]))
        first = await self.poll_loop_until_requests(1)  # the bot starts: what was paid before is history
        self.derivative._funding_fee_polling_task = first
        self.assertEqual(([], T0), (self.payments, self.derivative._last_funding_fee_payment_ts[PAIR]))

        await self.derivative.stop_network()  # the connectivity check failed
        self.mock_api.get(FUNDING_URL, body=json.dumps([funding_row(SYMBOL, T0 + HOUR, "0.0002", "-1"),
                                                        funding_row(SYMBOL, T0, "0.0001", "-0.5")]))
        second = await self.poll_loop_until_requests(2)  # start_network: a new poll loop, first round
        second.cancel()
        self.assertEqual([(PAIR, T0 + HOUR, Decimal("-1"))],
                         [(e.trading_pair, e.timestamp, e.amount) for e in self.payments])
        self.assertTrue(first.cancelled())  # the stopped network's poll loop ended: one loop after the restart

    async def test_a_new_connector_still_starts_without_reporting_history(self):
        self.mock_api.get(FUNDING_URL, body=json.dumps([funding_row(SYMBOL, T0, "0.0001", "-0.5")]))
        await self.derivative._update_all_funding_payments(fire_event_on_new=False)
        await self.derivative._update_all_funding_payments(fire_event_on_new=False)  # nothing new meanwhile
        self.assertEqual([], self.payments)


class FundingOfManyPairsTests(FundingCase):
    """Every pair's payments from one request per poll (`/wapi/v1/history/funding` without `symbol`), where
    Hummingbot's loop made one per pair: 200 of the 418 requests of a 100-pair start (bench/RESULTS.md)."""

    PAIRS = [f"S{i}-USDC" for i in range(5)]

    def answer(self, rows):
        """The exchange's answer: newest first, as asked (`sortDirection=Desc`)."""
        rows = sorted(rows, key=lambda r: r["intervalEndTimestamp"], reverse=True)
        self.mock_api.get(FUNDING_URL, body=json.dumps(rows))

    def requests(self):
        return [call.kwargs["params"] for calls in self.mock_api.requests.values() for call in calls]

    def reported(self):
        return [(e.trading_pair, e.timestamp, e.amount) for e in self.payments]

    async def test_one_request_for_every_pair_at_start_and_at_each_poll_each_payment_once(self):
        history = [funding_row(self.symbol(p), T0 - k * HOUR, "0.0001", f"-{i}.{k}")
                   for i, p in enumerate(self.PAIRS) for k in (0, 1)]
        history.append(funding_row("ETH_USDC_PERP", T0, "0.0001", "-9"))  # a market the bot does not trade
        self.answer(history)
        await self.derivative._update_all_funding_payments(fire_event_on_new=False)
        self.assertEqual(1, len(self.requests()))
        self.assertEqual({"limit": "1000", "offset": "0", "sortDirection": "Desc"}, self.requests()[0])
        self.assertEqual([], self.payments)  # what was paid before the start is history
        self.assertEqual({p: T0 for p in self.PAIRS}, self.derivative._last_funding_fee_payment_ts)

        # next interval: paid on every pair but the last, whose row the exchange writes a little later
        history += [funding_row(self.symbol(p), T0 + HOUR, "0.0002", f"-{i}.5") for i, p in enumerate(self.PAIRS[:-1])]
        self.answer(history)
        await self.derivative._update_all_funding_payments(fire_event_on_new=True)
        self.assertEqual(2, len(self.requests()))
        self.assertEqual([(p, T0 + HOUR, Decimal(f"-{i}.5")) for i, p in enumerate(self.PAIRS[:-1])],
                         sorted(self.reported()))

        history += [funding_row(self.symbol(self.PAIRS[-1]), T0 + HOUR, "0.0002", "-4.5"),
                    funding_row(self.symbol(self.PAIRS[0]), T0 + 2 * HOUR, "0.0003", "-0.7")]
        self.answer(history)
        await self.derivative._update_all_funding_payments(fire_event_on_new=True)
        self.answer(history)  # nothing new: nothing reported again
        await self.derivative._update_all_funding_payments(fire_event_on_new=True)
        self.assertEqual(4, len(self.requests()))
        self.assertEqual([(self.PAIRS[0], T0 + 2 * HOUR, Decimal("-0.7")),
                          (self.PAIRS[-1], T0 + HOUR, Decimal("-4.5"))],
                         sorted(self.reported()[4:]))
        self.assertEqual(6, len(set((pair, ts) for pair, ts, _ in self.reported())))
        self.assertEqual({**{p: T0 + HOUR for p in self.PAIRS}, self.PAIRS[0]: T0 + 2 * HOUR},
                         self.derivative._last_funding_fee_payment_ts)

    async def test_a_pair_never_paid_does_not_make_each_poll_read_the_whole_history(self):
        old = [funding_row(self.symbol(self.PAIRS[0]), T0 - k * 60, "0.0001", "-0.1") for k in range(1002)]
        self.answer(old[:1000])
        self.answer(old[1000:])  # the end of the history: the other pairs were never paid
        await self.derivative._update_all_funding_payments(fire_event_on_new=False)
        self.assertEqual(["0", "1000"], [r["offset"] for r in self.requests()])
        self.assertEqual({**{p: 0 for p in self.PAIRS}, self.PAIRS[0]: T0},
                         self.derivative._last_funding_fee_payment_ts)
        newest = [funding_row(self.symbol(self.PAIRS[1]), T0 + HOUR, "0.0001", "0.3")] + old[:999]
        self.answer(newest)  # a full page, its oldest row long before the previous walk's newest
        await self.derivative._update_all_funding_payments(fire_event_on_new=True)
        self.assertEqual(3, len(self.requests()))
        self.assertEqual([(self.PAIRS[1], T0 + HOUR, Decimal("0.3"))], self.reported())

    async def test_a_payment_written_late_below_a_full_page_is_still_found_once(self):
        """The walk re-reads FUNDING_HISTORY_OVERLAP_S before the previous walk's newest row: stopping at that row
        would miss a payment of the same interval the exchange lists after a full page."""
        paid = [funding_row(self.symbol(p), T0, "0.0001", "-1") for p in self.PAIRS[:-1]]
        self.answer(paid + [funding_row(self.symbol(self.PAIRS[-1]), T0 - HOUR, "0.0001", "-1")])
        await self.derivative._update_all_funding_payments(fire_event_on_new=False)
        newer = [funding_row(self.symbol(self.PAIRS[0]), T0 + i, "0.0001", "-0.01") for i in range(996, 0, -1)]
        self.mock_api.get(FUNDING_URL, body=json.dumps(newer + paid))  # a full page ending at the newest known rows
        self.mock_api.get(FUNDING_URL, body=json.dumps([funding_row(self.symbol(self.PAIRS[-1]), T0, "0.0001", "-2")]))
        await self.derivative._update_all_funding_payments(fire_event_on_new=True)
        self.assertEqual(["0", "0", "1000"], [r["offset"] for r in self.requests()])
        self.assertEqual([(self.PAIRS[-1], T0, Decimal("-2"))], [e for e in self.reported() if e[0] != self.PAIRS[0]])
        self.assertEqual(996, len([e for e in self.reported() if e[0] == self.PAIRS[0]]))

    async def test_a_pair_without_symbol_fails_the_round_without_ending_the_poll_loop(self):
        from bidict import bidict
        self.derivative._set_trading_pair_symbol_map(bidict({self.symbol(p): p for p in self.PAIRS[1:]}))
        await self.derivative._update_all_funding_payments(fire_event_on_new=False)  # logged, not raised
        self.assertEqual(([], {}), (self.requests(), self.derivative._last_funding_fee_payment_ts))

    async def test_failed_request_reports_nothing_and_the_next_poll_catches_up(self):
        self.answer([funding_row(self.symbol(p), T0, "0.0001", "-1") for p in self.PAIRS])
        await self.derivative._update_all_funding_payments(fire_event_on_new=False)
        self.mock_api.get(FUNDING_URL, status=503, body=json.dumps({"code": "SERVER_ERROR", "message": "down"}))
        await self.derivative._update_all_funding_payments(fire_event_on_new=True)
        self.assertEqual([], self.payments)
        self.answer([funding_row(self.symbol(p), T0 + k * HOUR, "0.0001", "-1") for p in self.PAIRS for k in (0, 1)])
        await self.derivative._update_all_funding_payments(fire_event_on_new=True)
        self.assertEqual(sorted((p, T0 + HOUR) for p in self.PAIRS), sorted((p, ts) for p, ts, _ in self.reported()))
        self.assertEqual(3, len(self.requests()))


class RuntimePairTests(IsolatedAsyncioWrapperTestCase):

    async def test_pair_added_at_runtime_gets_funding_info_and_account_leverage(self):
        derivative = make_derivative(trading_pairs=[PAIR])
        derivative._apply_account_leverage(7)
        with aioresponses() as mock_api:
            mock_api.get(url_regex(web_utils.rest_url(CONSTANTS.DEPTH_PATH_URL)), body=json.dumps(
                {"asks": [["95010", "0.5"]], "bids": [["94990", "0.4"]], "lastUpdateId": "12", "timestamp": 1}))
            mock_api.get(MARK_PRICES_URL, body=json.dumps([
                {"fundingRate": "0.00001", "indexPrice": "95000", "markPrice": "95001",
                 "nextFundingTimestamp": 1754956800000, "symbol": OTHER_SYMBOL}]))
            self.assertTrue(await derivative.add_trading_pair(OTHER_PAIR))
        self.assertEqual(Decimal("95001"), derivative.get_funding_info(OTHER_PAIR).mark_price)
        self.assertEqual(7, derivative.get_leverage(OTHER_PAIR))
        self.assertIn(OTHER_PAIR, derivative.order_books)
        tasks = list(derivative.order_book_tracker._tracking_tasks.values())
        await asyncio.sleep(0)  # let the tracking task start, so cancelling it closes its coroutine
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def test_funding_info_start_retries_until_it_gets_an_answer(self):
        derivative = make_derivative(trading_pairs=[PAIR])
        derivative._sleep = AsyncMock()
        with aioresponses() as mock_api:
            mock_api.get(MARK_PRICES_URL, status=503, body=json.dumps({"code": "SERVER_ERROR", "message": "busy"}))
            mock_api.get(MARK_PRICES_URL, body=json.dumps([{"fundingRate": "0.0001", "indexPrice": "180",
                                                            "markPrice": "181", "nextFundingTimestamp": 1754956800000,
                                                            "symbol": SYMBOL}]))
            await derivative._init_funding_info()
        self.assertEqual(Decimal("181"), derivative.get_funding_info(PAIR).mark_price)
        derivative._sleep.assert_awaited_once_with(5.0)
        self.assertTrue(derivative._perpetual_trading.is_funding_info_initialized())

    async def test_funding_info_of_every_pair_from_one_request_at_start(self):
        """100 pairs took 100 requests, one after the other, before the connector got ready."""
        derivative = make_derivative(trading_pairs=[PAIR, OTHER_PAIR])
        rows = [{"fundingRate": "0.0001", "indexPrice": "180", "markPrice": "181", "nextFundingTimestamp": 1754956800000,
                 "symbol": SYMBOL},
                {"fundingRate": "0.0002", "indexPrice": "95000", "markPrice": "95001",
                 "nextFundingTimestamp": 1754956800000, "symbol": OTHER_SYMBOL},
                {"fundingRate": "0", "indexPrice": "1", "markPrice": "1", "nextFundingTimestamp": 1754956800000,
                 "symbol": "ETH_USDC_PERP"}]  # not tracked
        with aioresponses() as mock_api:
            mock_api.get(MARK_PRICES_URL, body=json.dumps(rows))
            await derivative._init_funding_info()
            requests = [call for calls in mock_api.requests.values() for call in calls]
        self.assertEqual((Decimal("181"), Decimal("95001")),
                         (derivative.get_funding_info(PAIR).mark_price, derivative.get_funding_info(OTHER_PAIR).mark_price))
        self.assertEqual(1, len(requests))
        self.assertIsNone(requests[0].kwargs.get("params"))  # no symbol: every perp market
