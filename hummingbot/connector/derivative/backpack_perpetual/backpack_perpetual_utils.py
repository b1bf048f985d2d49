"""Hummingbot registry settings of the perpetual connector `backpack_perpetual` (keep imports light).

KEYS prompts for the API key and secret (stored encrypted) of `connect backpack_perpetual`; the
self-trade-prevention and cancel-all-scope settings are not prompted (edit conf/connectors/backpack_perpetual.yml).
A key file written by Hummingbot's own `backpack_perpetual` (20260922: fields `backpack_api_key` /
`backpack_api_secret`) is read as ours; the values are encrypted the same way whatever the field name.
Only visible, tradable PERP markets are offered.
"""
from decimal import Decimal
from typing import Any, Dict, Literal

from pydantic import ConfigDict, Field, SecretStr, model_validator

from hummingbot.client.config.config_data_types import BaseConnectorConfigMap
from hummingbot.connector.exchange.backpack.backpack_messages import is_market_tradable
from hummingbot.connector.exchange.backpack.backpack_utils import BackpackConfigMap
from hummingbot.core.data_type.trade_fee import TradeFeeSchema

# Backpack's base tier for futures: 0.02 % maker / 0.05 % taker, charged in USDC.
DEFAULT_FEES = TradeFeeSchema(maker_percent_fee_decimal=Decimal("0.0002"), taker_percent_fee_decimal=Decimal("0.0005"),
                              buy_percent_fee_deducted_from_returns=True)
CENTRALIZED = True
EXAMPLE_PAIR = "SOL-USDC"


def is_exchange_information_valid(exchange_info: Dict[str, Any]) -> bool:
    return is_market_tradable(exchange_info, "PERP")


def _same_prompt_as_spot(spot_field: str) -> Any:
    """Field of the spot config, reused so both connectors ask for (and protect) keys the same way."""
    return Field(default=BackpackConfigMap.model_fields[spot_field].default,
                 json_schema_extra=BackpackConfigMap.model_fields[spot_field].json_schema_extra)


# Field names of Hummingbot's own backpack_perpetual key file -> ours.
HUMMINGBOT_OWN_KEY_FIELDS = {"backpack_api_key": "backpack_perpetual_api_key",
                             "backpack_api_secret": "backpack_perpetual_api_secret"}


class BackpackPerpetualConfigMap(BaseConnectorConfigMap):
    connector: str = "backpack_perpetual"
    backpack_perpetual_api_key: SecretStr = _same_prompt_as_spot("backpack_api_key")
    backpack_perpetual_api_secret: SecretStr = _same_prompt_as_spot("backpack_api_secret")
    backpack_perpetual_self_trade_prevention: Literal["RejectTaker", "RejectMaker", "RejectBoth"] = (
        _same_prompt_as_spot("backpack_self_trade_prevention"))
    backpack_perpetual_cancel_all_scope: Literal["bot_orders", "all_orders_in_market"] = (
        _same_prompt_as_spot("backpack_cancel_all_scope"))
    model_config = ConfigDict(title="backpack_perpetual")

    @model_validator(mode="before")
    @classmethod
    def _read_hummingbot_own_key_fields(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not any(theirs in data for theirs in HUMMINGBOT_OWN_KEY_FIELDS):
            return data
        data = dict(data)
        for theirs, ours in HUMMINGBOT_OWN_KEY_FIELDS.items():
            if theirs in data:
                value = data.pop(theirs)
                data.setdefault(ours, value)  # our own field wins when a file has both
        return data


KEYS = BackpackPerpetualConfigMap.model_construct()
