"""Bad input: a clear error, and the emulator's request log shows that nothing was sent.

Malformed secrets are refused when the connector is created; bad orders (unknown pair, amount below
the minimum, price below one tick, negative or NaN amounts) fail with an OrderFailure event whose
message says what is wrong. A price between ticks is rounded down to the tick, as every Hummingbot
connector does: an off-tick price never reaches the exchange.
"""
import base64
import os
from decimal import Decimal
from unittest.mock import patch

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_auth import BackpackSecretError
from hummingbot.connector.exchange.backpack.backpack_exchange import BackpackExchange
from hummingbot.core.data_type.common import OrderType, PositionAction
from hummingbot.core.event.events import MarketEvent
from test.reliability.base import ReliabilityTestCase
from test.reliability.venue import PAIR, wait_for

REFUSED_API_KEY = base64.b64encode(b"k" * 32).decode()  # a key the emulator has never seen

MALFORMED_SECRETS = {
    "not base64": ("this is not base64!!", "not valid base64"),
    "wrong length": (base64.b64encode(b"sixteen byte key").decode(), "decodes to 16 bytes"),
    "empty": ("", "empty"),
}


class BadInputTests(ReliabilityTestCase):
    PERP = True

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.venue.server.request_log.clear()

    def signed_requests(self) -> list:
        return [r for r in self.venue.server.request_log.entries() if r["apiKey"]]

    async def test_malformed_secret_is_refused_before_anything_is_sent(self):
        self.scenario("bad input: malformed secrets")
        server = self.venue.server
        env = {CONSTANTS.REST_URL_ENV_VAR: server.rest_url, CONSTANTS.WS_URL_ENV_VAR: server.ws_url}
        for name, (secret, message) in MALFORMED_SECRETS.items():
            with self.subTest(name), patch.dict(os.environ, env):
                self.stats.faults += 1
                with self.assertRaises(BackpackSecretError) as raised:
                    BackpackExchange(REFUSED_API_KEY, secret, trading_pairs=[PAIR])
                self.assertIn(message, str(raised.exception))
                if secret:
                    self.assertNotIn(secret, str(raised.exception))
        # The venue's own connectors keep polling in the background, so look for this key only.
        self.assertEqual([], [r for r in server.request_log.entries() if r["apiKey"] == REFUSED_API_KEY])
        await self.assert_consistent()

    async def test_bad_orders_fail_clearly_and_send_nothing(self):
        self.scenario("bad input: orders")
        spot, perp = self.venue.spot, self.venue.perp
        cases = [
            (spot, "ETH-USDC", Decimal("1"), Decimal("3000"), "Unknown trading pair ETH-USDC"),
            (spot, PAIR, Decimal("0.001"), Decimal("150"), "lower than minimum order size"),
            (spot, PAIR, Decimal("1"), Decimal("0.001"), "it must be at least one tick (0.01)"),
            (spot, PAIR, Decimal("-1"), Decimal("150"), "Invalid amount -1"),
            (spot, PAIR, Decimal("NaN"), Decimal("150"), "Invalid amount NaN"),
            (spot, PAIR, Decimal("1"), Decimal("NaN"), "Invalid price NaN"),
            (spot, PAIR, Decimal("1"), Decimal("-150"), "Invalid price -150"),
            (perp, PAIR, Decimal("0.001"), Decimal("150"), "lower than minimum order size"),
            (perp, PAIR, Decimal("NaN"), Decimal("150"), "Invalid amount NaN"),
        ]
        for connector, pair, amount, price, message in cases:
            with self.subTest(connector=connector.name, amount=amount, price=price):
                self.stats.faults += 1
                kwargs = {"position_action": PositionAction.OPEN} if connector is perp else {}
                order_id = connector.buy(pair, amount, OrderType.LIMIT, price, **kwargs)
                await wait_for(lambda: order_id in {e.order_id for e in self.failures()},
                               f"the failure of the bad order {amount} @ {price}")
                failure = next(e for e in self.events(connector, MarketEvent.OrderFailure) if e.order_id == order_id)
                self.assertIn(message, failure.error_message)
                self.assertNotIn(order_id, connector.in_flight_orders)
        self.assertEqual([], self.venue.order_requests())  # nothing reached the exchange

        # off tick: rounded down to the tick, never sent as given
        order_id = await self.place(spot, "buy", "1", "150.005")
        self.assertEqual(["150"], [r["params"]["price"] for r in self.venue.order_requests()])
        self.assertEqual(Decimal("150"), spot.in_flight_orders[order_id].price)
        await self.assert_consistent()
