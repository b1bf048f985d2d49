"""The real perpetual connector against an in-process Backpack emulator over 127.0.0.1 (REST + WebSocket):
open a position with a limit order filled partially then fully by another account, see the position,
close it reduce-only with an oversized order (no flip), see it gone, receive funding payments, and end
with balances and position equal to the emulator's ledger."""
import asyncio
from decimal import Decimal

from hummingbot.core.data_type.common import OrderType, PositionAction, PositionSide, TradeType
from hummingbot.core.data_type.order_candidate import PerpetualOrderCandidate
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.test_backpack_e2e_emulator import wait_for
from test.connector.backpack_perpetual.venue_case import PAIR, PerpetualVenueCase


class PerpetualAgainstEmulatorTests(PerpetualVenueCase):
    SERVER_KWARGS = {"funding_interval_s": 1.0}

    async def test_open_partial_full_close_reduce_only_funding_and_ledger(self):
        self.derivative.set_leverage(PAIR, 5)
        await wait_for(lambda: self.derivative.get_leverage(PAIR) == 5, "leverage 5x")
        self.assertEqual(5, self.server.exchange.settings[self.api_key].leverage_limit)

        order_id = self.derivative.buy(PAIR, Decimal("2"), OrderType.LIMIT, Decimal("180"),
                                       position_action=PositionAction.OPEN)
        await wait_for(lambda: self.events[MarketEvent.BuyOrderCreated], "the opening order")
        self.assertEqual(5, self.events[MarketEvent.BuyOrderCreated][0].leverage)

        await self.counterparty_order(TradeType.SELL, "0.5", "180")
        await wait_for(lambda: len(self.events[MarketEvent.OrderFilled]) == 1, "the partial fill")
        await wait_for(lambda: PAIR in self.derivative.account_positions, "the position to appear")
        self.assertEqual(Decimal("0.5"), self.derivative.account_positions[PAIR].amount)

        await self.counterparty_order(TradeType.SELL, "1.5", "180")
        await wait_for(lambda: self.events[MarketEvent.BuyOrderCompleted], "the full fill")
        await wait_for(lambda: self.derivative.account_positions[PAIR].amount == Decimal("2"), "position 2")
        position = self.derivative.account_positions[PAIR]
        self.assertEqual((PositionSide.LONG, Decimal("180"), Decimal("5")),
                         (position.position_side, position.entry_price, position.leverage))
        self.assertEqual([Decimal("0.5"), Decimal("1.5")], [f.amount for f in self.events[MarketEvent.OrderFilled]])
        self.assertNotIn(order_id, self.derivative.in_flight_orders)
        # after a reconnect Backpack sends the open positions (frames without `e`) on subscribe
        self.derivative._perpetual_trading.remove_position(PAIR)
        self.assertEqual(1, await self.server.hub.drop("private"))
        await wait_for(lambda: PAIR in self.derivative.account_positions, "the position from the initial frame")
        self.assertEqual(Decimal("2"), self.derivative.account_positions[PAIR].amount)
        # the next position fits the margin left (720 of about 928 USDC at 5x): no "Not enough budget"
        self.assertEqual((True, False), (self.fits("20", "180"), self.fits("30", "180")))
        await self.assert_balances_equal_ledger()
        self.assertEqual((True, False), (self.fits("20", "180"), self.fits("30", "180")))

        # funding paid while the position is open: every payment of the ledger is emitted exactly once
        await wait_for(lambda: len(self.ledger_payments()) >= 2, "two funding payments", timeout=5)
        self.derivative._funding_fee_poll_notifier.set()
        await wait_for(lambda: len(self.events[MarketEvent.FundingPaymentCompleted]) >= 2, "funding events")

        # close with an oversized reduce-only order: it fills the 2 held, never goes short
        await self.counterparty_order(TradeType.BUY, "5", "179")
        self.derivative.sell(PAIR, Decimal("3"), OrderType.LIMIT, Decimal("179"), position_action=PositionAction.CLOSE)
        await wait_for(lambda: sum(f.amount for f in self.events[MarketEvent.OrderFilled]) == Decimal("4"),
                       "the closing fills")
        await wait_for(lambda: PAIR not in self.derivative.account_positions, "the position to disappear")
        self.assertEqual(Decimal("0"), self.emulator_position())
        await self.derivative._update_positions()
        self.assertEqual({}, self.derivative.account_positions)
        await self.derivative.cancel_all(5)  # whatever the reduce-only remainder became, nothing is left

        self.server.exchange.funding_interval_ms = 3_600_000  # no position, but keep the ledger still anyway
        self.derivative._funding_fee_poll_notifier.set()
        await asyncio.sleep(0.3)
        paid = self.ledger_payments()
        emitted = self.events[MarketEvent.FundingPaymentCompleted]
        self.assertEqual(sorted((r["intervalEndTimestamp"], Decimal(r["quantity"])) for r in paid),
                         sorted((_iso(e.timestamp), e.amount) for e in emitted))
        self.assertTrue(all(e.amount < 0 for e in emitted))  # longs pay at the emulator's positive base rate
        await self.assert_balances_equal_ledger()
        fees = sum(f.trade_fee.flat_fees[0].amount for f in self.events[MarketEvent.OrderFilled])
        self.assertEqual(sum(Decimal(f["fee"]) for _, f in self.server.exchange.fills[self.api_key]), fees)

    def fits(self, amount: str, price: str) -> bool:
        candidate = PerpetualOrderCandidate(trading_pair=PAIR, is_maker=True, order_type=OrderType.LIMIT,
                                            order_side=TradeType.BUY, amount=Decimal(amount), price=Decimal(price),
                                            leverage=Decimal(self.derivative.get_leverage(PAIR)))
        return self.derivative.budget_checker.adjust_candidate(candidate).amount == Decimal(amount)

    def ledger_payments(self):
        return list(self.server.exchange.funding_history.get(self.api_key, ()))


def _iso(timestamp_s: float) -> str:
    from datetime import datetime, timezone
    return datetime.fromtimestamp(timestamp_s, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
