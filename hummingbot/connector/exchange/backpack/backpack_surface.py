"""The parts of Backpack's order surface beyond plain limit/market orders, in one mixin that
`BackpackExchangeMixin` puts first (its hooks wrap the placement's): market-order options
(`backpack_order_options`: quote quantity, slippage tolerance), market states at run time
(`backpack_market_states`) and the account's fee tier (`backpack_account_fees`)."""
from hummingbot.connector.exchange.backpack.backpack_account_fees import BackpackAccountFeesMixin
from hummingbot.connector.exchange.backpack.backpack_market_states import BackpackMarketStatesMixin
from hummingbot.connector.exchange.backpack.backpack_order_options import BackpackOrderOptionsMixin


class BackpackSurfaceMixin(BackpackMarketStatesMixin, BackpackOrderOptionsMixin, BackpackAccountFeesMixin):
    pass
