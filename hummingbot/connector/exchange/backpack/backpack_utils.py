"""Hummingbot registry settings of the spot connector `backpack` (imported by `connect`, keep imports light).

KEYS prompts for the API key and secret (stored encrypted) and carries the self-trade-prevention and
cancel-all-scope settings (not prompted; edit conf/connectors/backpack.yml to change them). The market filter
`is_market_tradable` lives in backpack_messages (shared with perp and the rate source).
"""
from decimal import Decimal
from typing import Any, Dict, Literal

from pydantic import ConfigDict, Field, SecretStr

from hummingbot.client.config.config_data_types import BaseConnectorConfigMap
from hummingbot.connector.exchange.backpack.backpack_messages import is_market_tradable
from hummingbot.core.data_type.trade_fee import TradeFeeSchema

CENTRALIZED = True
EXAMPLE_PAIR = "SOL-USDC"

# Backpack's base tier: 0.08 % maker / 0.10 % taker on spot; fees are charged in the asset received.
DEFAULT_FEES = TradeFeeSchema(
    maker_percent_fee_decimal=Decimal("0.0008"),
    taker_percent_fee_decimal=Decimal("0.001"),
    buy_percent_fee_deducted_from_returns=True,
)

def is_exchange_information_valid(exchange_info: Dict[str, Any]) -> bool:
    return is_market_tradable(exchange_info, "SPOT")


class BackpackConfigMap(BaseConnectorConfigMap):
    connector: str = "backpack"
    backpack_api_key: SecretStr = Field(
        default=...,
        json_schema_extra={
            "prompt": lambda cm: "Enter your Backpack API key (base64 ED25519 public key)",
            "is_secure": True,
            "is_connect_key": True,
            "prompt_on_new": True,
        }
    )
    backpack_api_secret: SecretStr = Field(
        default=...,
        json_schema_extra={
            "prompt": lambda cm: "Enter your Backpack API secret (base64 ED25519 seed)",
            "is_secure": True,
            "is_connect_key": True,
            "prompt_on_new": True,
        }
    )
    backpack_self_trade_prevention: Literal["RejectTaker", "RejectMaker", "RejectBoth"] = Field(
        default="RejectTaker",
        json_schema_extra={
            "prompt": lambda cm: "Self-trade prevention (RejectTaker/RejectMaker/RejectBoth)",
            "is_secure": False,
            "is_connect_key": True,
            "prompt_on_new": False,
        }
    )
    backpack_cancel_all_scope: Literal["bot_orders", "all_orders_in_market"] = Field(
        default="bot_orders",
        json_schema_extra={
            "prompt": lambda cm: ("What a strategy's cancel-all cancels: bot_orders (only this bot's orders) or "
                                  "all_orders_in_market (every resting order of the account in the bot's markets, "
                                  "including manual orders and other bots')"),
            "is_secure": False,
            "is_connect_key": True,
            "prompt_on_new": False,
        }
    )
    model_config = ConfigDict(title="backpack")


KEYS = BackpackConfigMap.model_construct()

# Last on purpose: registers the Backpack candles feeds and rate-oracle source in Hummingbot's hard-coded
# maps when the registry scan imports this module; the hook never raises (backpack_plugin_registrations).
from hummingbot.connector.exchange.backpack.backpack_plugin_registrations import register_plugin_extensions  # noqa: E402

register_plugin_extensions()
