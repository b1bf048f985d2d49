"""The parts of Backpack's order surface beyond plain limit/market orders, in one mixin that
`BackpackExchangeMixin` puts first (its hooks wrap the placement's): market-order options
(`backpack_order_options`: quote quantity, slippage tolerance), trigger orders and attached take profit / stop
loss (`backpack_trigger_orders`), market states at run time
(`backpack_market_states`) and the account's fee tier (`backpack_account_fees`)."""
from hummingbot.connector.exchange.backpack.backpack_account_fees import BackpackAccountFeesMixin
from hummingbot.connector.exchange.backpack.backpack_market_states import BackpackMarketStatesMixin
from hummingbot.connector.exchange.backpack.backpack_order_options import BackpackOrderOptionsMixin
from hummingbot.connector.exchange.backpack.backpack_trigger_orders import BackpackTriggerOrdersMixin


class BackpackSurfaceMixin(BackpackMarketStatesMixin, BackpackTriggerOrdersMixin, BackpackOrderOptionsMixin,
                           BackpackAccountFeesMixin):
    pass
