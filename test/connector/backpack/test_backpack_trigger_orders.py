"""buy()/sell() keywords for exchange-side trigger orders and attached take profit / stop loss: request bodies in
the official wire format, the tracked state, and clear errors with nothing sent."""
import asyncio
import json
from decimal import Decimal

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.core.data_type.common import OrderType, PositionAction, TradeType
from hummingbot.core.data_type.in_flight_order import OrderState
from hummingbot.core.event.events import MarketEvent
from test.connector.backpack.helpers import rest_order
from test.connector.backpack.order_test_case import BackpackOrderTestCase


def trigger_answer(status="TriggerPending"):
    body = rest_order("9001", 700, "SOL_USDC", status, Decimal("0"), Decimal("174.5"), side="Ask")
    body.update(triggerPrice="175", triggerQuantity="1.5", triggerBy="MarkPrice")
    return json.dumps(body)


class TriggerOrderKeywordTests(BackpackOrderTestCase):
    async def sell(self, **kwargs):
        await self.exchange._create_order(trade_type=TradeType.SELL, order_id=kwargs.pop("order_id", "700"),
                                          trading_pair="SOL-USDC", amount=Decimal(kwargs.pop("amount", "1.5")),
                                          order_type=kwargs.pop("order_type", OrderType.LIMIT),
                                          price=Decimal(kwargs.pop("price", "174.5")), **kwargs)
        await asyncio.sleep(0)

    async def test_a_stop_limit_sell_is_sent_as_a_trigger_order_and_tracked_open(self):
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=trigger_answer())
        await self.sell(trigger_price=Decimal("175.004"), trigger_by="markprice")
        body = self.bodies("POST", CONSTANTS.ORDER_PATH_URL)[0]
        self.assertEqual({"symbol": "SOL_USDC", "side": "Ask", "orderType": "Limit", "triggerQuantity": "1.5",
                          "triggerPrice": "175", "triggerBy": "MarkPrice", "price": "174.5", "clientId": 700,
                          "timeInForce": "GTC", "postOnly": False, "selfTradePrevention": "RejectTaker"}, body)
        order = self.exchange.in_flight_orders["700"]
        self.assertEqual((OrderState.OPEN, "9001", Decimal("1.5")), (order.current_state, order.exchange_order_id,
                                                                     order.amount))

    async def test_a_market_stop_without_reference_price_choice(self):
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=trigger_answer())
        await self.sell(order_type=OrderType.MARKET, trigger_price="170")
        body = self.bodies("POST", CONSTANTS.ORDER_PATH_URL)[0]
        self.assertEqual(("1.5", "170", None, None), (body["triggerQuantity"], body["triggerPrice"],
                                                      body.get("triggerBy"), body.get("quantity")))

    async def assert_refused(self, fragment: str, **kwargs):
        failures = len(self.events[MarketEvent.OrderFailure].event_log)
        with self.assertLogs(self.exchange.logger(), level="ERROR") as logs:
            await self.sell(order_id=str(800 + failures), **kwargs)
        self.assertEqual([], self.sent("POST", CONSTANTS.ORDER_PATH_URL))
        self.assertEqual(failures + 1, len(self.events[MarketEvent.OrderFailure].event_log))
        self.assertTrue(any(fragment in line for line in logs.output), logs.output)

    async def test_bad_trigger_options_fail_clearly_and_send_nothing(self):
        await self.assert_refused("Invalid trigger_price 0.001", trigger_price="0.001")
        await self.assert_refused("Invalid trigger_price abc", trigger_price="abc")
        await self.assert_refused("trigger_by goes with trigger_price", trigger_by="MarkPrice")
        await self.assert_refused("Invalid trigger_by Mark: use one of LastPrice, MarkPrice, IndexPrice",
                                  trigger_price="175", trigger_by="Mark")
        await self.assert_refused("sized by its amount, not quote_quantity", order_type=OrderType.MARKET,
                                  trigger_price="175", quote_quantity="100")
        await self.assert_refused("attached to perpetual orders only", stop_loss_trigger_price="170")


class PerpetualProtectionKeywordTests(BackpackOrderTestCase):
    def make_exchange(self, **kwargs):
        from test.connector.backpack_perpetual.helpers import make_derivative
        derivative = make_derivative()
        derivative.ORDER_LOOKUP_RETRY_DELAYS_S = (0.01, 0.01)
        return derivative

    async def buy(self, **kwargs):
        await self.exchange._create_order(trade_type=TradeType.BUY, order_id=kwargs.pop("order_id", "700"),
                                          trading_pair="SOL-USDC", amount=Decimal("2"), order_type=OrderType.LIMIT,
                                          price=Decimal("180"), position_action=kwargs.pop("position_action",
                                                                                           PositionAction.OPEN),
                                          **kwargs)
        await asyncio.sleep(0)

    async def test_take_profit_and_stop_loss_fields(self):
        answer = json.loads(self.order_created_response())
        answer["symbol"] = "SOL_USDC_PERP"
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=json.dumps(answer))
        await self.buy(take_profit_trigger_price=Decimal("190"), stop_loss_trigger_price=Decimal("170.009"),
                       stop_loss_limit_price="169.5", stop_loss_trigger_by="IndexPrice")
        body = self.bodies("POST", CONSTANTS.ORDER_PATH_URL)[0]
        self.assertEqual(("2", "190", "170", "169.5", "IndexPrice"), (
            body["quantity"], body["takeProfitTriggerPrice"], body["stopLossTriggerPrice"], body["stopLossLimitPrice"],
            body["stopLossTriggerBy"]))
        self.assertNotIn("takeProfitLimitPrice", body)
        self.assertNotIn("entry_side", body)
        self.assertEqual({"700": {"tp": Decimal("190"), "sl": Decimal("170")}}, self.exchange._protection_requests)

    async def test_the_protection_of_an_entry_refused_or_cancelled_unfilled_is_forgotten(self):
        """No leg can come for such an entry: its request must not stay (walked for every triggerPlaced event)."""
        answer = json.loads(self.order_created_response())
        answer["symbol"] = "SOL_USDC_PERP"
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), body=json.dumps(answer))
        await self.buy(take_profit_trigger_price=Decimal("190"))
        refused = json.dumps({"code": "INSUFFICIENT_MARGIN", "message": "Insufficient margin"})
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), status=400, body=refused)
        await self.buy(order_id="701", take_profit_trigger_price=Decimal("190"))
        self.assertEqual(["700"], list(self.exchange._protection_requests))  # 700 rests: its legs may still come
        cancelled = rest_order("9001", 700, "SOL_USDC_PERP", "Cancelled", Decimal("2"), Decimal("180"))
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), body=json.dumps(cancelled))
        await self.exchange._execute_cancel("SOL-USDC", "700")
        self.assertEqual(OrderState.CANCELED, self.exchange._order_tracker.fetch_order("700").current_state)
        self.mock_api.post(self.url(CONSTANTS.ORDER_PATH_URL), status=400, body=refused)
        await self.buy(order_id="702", stop_loss_trigger_price=Decimal("170"))
        self.assertEqual({}, self.exchange._protection_requests)

    async def assert_refused(self, fragment: str, **kwargs):
        failures = len(self.events[MarketEvent.OrderFailure].event_log)
        with self.assertLogs(self.exchange.logger(), level="ERROR") as logs:
            await self.buy(order_id=str(800 + failures), **kwargs)
        self.assertEqual([], self.sent("POST", CONSTANTS.ORDER_PATH_URL))
        self.assertTrue(any(fragment in line for line in logs.output), logs.output)

    async def test_bad_protection_fails_clearly_and_sends_nothing(self):
        await self.assert_refused("The take profit (170.00) of a BUY must be above its stop loss (175.00)",
                                  take_profit_trigger_price="170", stop_loss_trigger_price="175")
        await self.assert_refused("Invalid or missing stop_loss_trigger_price", stop_loss_limit_price="169")
        await self.assert_refused("Invalid stop_loss_limit_price -1", stop_loss_trigger_price="170",
                                  stop_loss_limit_price="-1")
        await self.assert_refused("not a closing order", position_action=PositionAction.CLOSE,
                                  stop_loss_trigger_price="170")
        await self.assert_refused("Invalid take_profit_trigger_by Bid", take_profit_trigger_price="190",
                                  take_profit_trigger_by="Bid")
        self.assertIsNone(self.exchange._protection_requests)

    async def test_cancel_all_leaves_the_orders_kept_to_protect_a_position(self):
        """The strategy's stop sends cancel_all: an exchange-side stop kept for a held position stays on the exchange
        (it is still cancelled by id), the bot's other orders go."""
        self.track("901", "1")
        self.track("902", "2")
        self.exchange.keep_on_cancel_all("902")
        self.mock_api.delete(self.url(CONSTANTS.ORDER_PATH_URL), body=json.dumps(
            rest_order("1", 901, "SOL_USDC_PERP", "Cancelled", Decimal("2"), Decimal("180"))))
        results = await self.exchange.cancel_all(5)
        self.assertEqual({"901": True}, {r.order_id: r.success for r in results})
        self.assertEqual([{"symbol": "SOL_USDC_PERP", "orderId": "1"}], self.bodies("DELETE", CONSTANTS.ORDER_PATH_URL))
        self.assertFalse(self.exchange.in_flight_orders["902"].is_done)  # still tracked, still on the exchange
