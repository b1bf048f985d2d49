"""The perpetual connector against the emulator with exchange-side protection: an entry with take profit and stop
loss, its legs adopted as the bot's orders, the stop loss triggered by the mark price closing the position,
the take profit cancelled, every event reported once and the balances equal to the ledger; the bot's own
trigger orders and legs cancelled by its cancel-all, the account's other trigger orders never touched."""
from decimal import Decimal

from hummingbot.core.data_type.common import OrderType, PositionAction, TradeType
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.test_backpack_e2e_emulator import wait_for
from test.connector.backpack_perpetual.venue_case import PAIR, PERP, PerpetualVenueCase


class ProtectionOnEmulatorTests(PerpetualVenueCase):
    def order_ids(self, tag: MarketEvent):
        return [event.order_id for event in self.events[tag]]

    async def open_protected_long(self) -> str:
        await self.counterparty_order(TradeType.SELL, "2", "180")
        entry = self.derivative.buy(PAIR, Decimal("2"), OrderType.LIMIT, Decimal("180"),
                                    position_action=PositionAction.OPEN, take_profit_trigger_price=Decimal("195"),
                                    stop_loss_trigger_price=Decimal("170"), stop_loss_trigger_by="MarkPrice")
        await wait_for(lambda: {f"tp-{entry}", f"sl-{entry}"} <= set(self.derivative.in_flight_orders),
                       "the exchange's take profit and stop loss to be tracked as the bot's orders")
        return entry

    async def test_stop_loss_closes_the_position_and_cancels_the_take_profit(self):
        entry = await self.open_protected_long()
        stop, profit = (self.derivative.in_flight_orders[f"{p}-{entry}"] for p in ("sl", "tp"))
        self.assertEqual((OrderState.OPEN, TradeType.SELL, Decimal("2"), PositionAction.CLOSE),
                         (stop.current_state, stop.trade_type, stop.amount, stop.position))
        self.assertIn(entry, self.order_ids(MarketEvent.BuyOrderCompleted))
        self.assertEqual({stop.client_order_id, profit.client_order_id},
                         set(self.order_ids(MarketEvent.SellOrderCreated)))
        await wait_for(lambda: self.derivative.account_positions.get(PAIR) is not None, "the position")

        await self.counterparty_order(TradeType.BUY, "5", "168")
        await self.counterparty_order(TradeType.SELL, "5", "172")  # mid 170: the mark reaches the stop
        await wait_for(lambda: stop.client_order_id in self.order_ids(MarketEvent.SellOrderCompleted),
                       "the stop loss to fill")
        await wait_for(lambda: profit.client_order_id in self.order_ids(MarketEvent.OrderCancelled),
                       "the take profit to be cancelled")
        await wait_for(lambda: PAIR not in self.derivative.account_positions, "the position to be closed")
        fills = [(f.order_id, f.amount, f.price) for f in self.events[MarketEvent.OrderFilled]]
        self.assertEqual([(entry, Decimal("2"), Decimal("180")), (stop.client_order_id, Decimal("2"), Decimal("168"))],
                         fills)  # each once
        self.assertEqual(Decimal("0"), self.emulator_position())
        self.assertEqual({}, {k: v for k, v in self.derivative.in_flight_orders.items()})
        await self.assert_balances_equal_ledger()
        fees = sum(f.trade_fee.flat_fees[0].amount for f in self.events[MarketEvent.OrderFilled])
        self.assertEqual(sum(Decimal(f["fee"]) for _, f in self.server.exchange.fills[self.api_key]), fees)

    async def test_cancel_all_cancels_the_bots_trigger_orders_and_legs_only(self):
        entry = await self.open_protected_long()
        stop = self.derivative.sell(PAIR, Decimal("1"), OrderType.MARKET, Decimal("175"),
                                    position_action=PositionAction.CLOSE, trigger_price=Decimal("175"))
        await wait_for(lambda: stop in self.derivative.in_flight_orders
                       and self.derivative.in_flight_orders[stop].exchange_order_id, "the bot's trigger order")
        manual = self.server.exchange.execute_order(self.api_key, {  # placed by hand on the same account
            "symbol": PERP, "side": "Ask", "orderType": "Market", "triggerPrice": "160", "triggerQuantity": "1",
            "reduceOnly": True})
        results = await self.derivative.cancel_all(10)
        self.assertEqual({stop, f"tp-{entry}", f"sl-{entry}"}, {r.order_id for r in results if r.success})
        self.assertEqual([manual.id], [o.id for o in self.server.exchange.open_orders.values()
                                       if o.account == self.api_key])
