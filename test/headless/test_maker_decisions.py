"""backpack_post_only_maker.py's decisions (which sides to quote, whether funds suffice, open or close),
checked in-process on the script's own methods with a stand-in connector."""
import logging
from decimal import Decimal
from types import SimpleNamespace

import pytest

from hummingbot.core.data_type.common import PositionAction, TradeType
from scripts.backpack_post_only_maker import BackpackPostOnlyMaker as Maker, BackpackPostOnlyMakerConfig


def maker(exchange: str, available=None, **config):
    balances = available or {}
    connector = SimpleNamespace(get_available_balance=lambda asset: Decimal(balances.get(asset, "0")))
    return SimpleNamespace(config=BackpackPostOnlyMakerConfig(exchange=exchange, **config),
                           connector=connector, is_perpetual="perpetual" in exchange,
                           logger=lambda: logging.getLogger("maker-test"))


@pytest.mark.parametrize("inventory, sides", [
    ("1", [TradeType.BUY, TradeType.SELL]),
    ("2", [TradeType.SELL]),
    ("-2", [TradeType.BUY]),
    ("-3", [TradeType.BUY]),
])
def test_perp_inventory_limits_choose_the_sides(inventory, sides):
    bot = maker("backpack_perpetual", max_inventory=Decimal(2), min_inventory=Decimal(-2))
    assert Maker._sides_allowed(bot, Decimal(inventory)) == sides


def test_spot_defaults_stop_bidding_above_150_and_asking_below_50():
    bot = maker("backpack")
    assert Maker._sides_allowed(bot, Decimal(150)) == [TradeType.SELL]
    assert Maker._sides_allowed(bot, Decimal(50)) == [TradeType.BUY]
    assert Maker._sides_allowed(bot, Decimal(100)) == [TradeType.BUY, TradeType.SELL]


def test_funds_spot_buy_needs_quote_spot_sell_needs_base_perp_needs_quote_notional():
    spot = maker("backpack", available={"USDC": "18", "SOL": "0.05"})
    assert Maker._can_pay(spot, TradeType.BUY, Decimal("0.1"), Decimal("180")) is True
    assert Maker._can_pay(spot, TradeType.BUY, Decimal("0.11"), Decimal("180")) is False
    assert Maker._can_pay(spot, TradeType.SELL, Decimal("0.1"), Decimal("180")) is False
    perp = maker("backpack_perpetual", available={"USDC": "18"})
    assert Maker._can_pay(perp, TradeType.SELL, Decimal("0.1"), Decimal("180")) is True
    assert Maker._can_pay(perp, TradeType.SELL, Decimal("0.2"), Decimal("180")) is False


def test_perp_orders_that_reduce_the_position_close_it_and_spot_always_opens():
    perp = maker("backpack_perpetual")
    assert Maker._position_action(perp, TradeType.SELL, Decimal("1")) == PositionAction.CLOSE
    assert Maker._position_action(perp, TradeType.BUY, Decimal("-1")) == PositionAction.CLOSE
    assert Maker._position_action(perp, TradeType.BUY, Decimal("1")) == PositionAction.OPEN
    assert Maker._position_action(perp, TradeType.SELL, Decimal("0")) == PositionAction.OPEN
    assert Maker._position_action(maker("backpack"), TradeType.SELL, Decimal("5")) == PositionAction.OPEN
