"""The base classes of our scripts, the same on both Hummingbot lines.

Hummingbot 20251103 has ``ScriptStrategyBase``; 20260922 removed it and its ``StrategyV2Base`` (no
longer a subclass of it) offers the same script API: ``markets``, ``init_markets``, ``on_tick``,
``buy``/``sell``/``cancel``, ``get_active_orders``, ``connectors``, ``format_status``.
20260922 starts a script from a config file in conf/scripts/ that names it (``script_file_name``) and
always builds the script's config class from that file, so the config classes declare that field.
"""
from pydantic import Field

from hummingbot.client.config.config_data_types import BaseClientModel

try:
    from hummingbot.strategy.script_strategy_base import ScriptStrategyBase as BackpackScriptBase
except ModuleNotFoundError:  # Hummingbot 20260922 and later
    from hummingbot.strategy.strategy_v2_base import StrategyV2Base as BackpackScriptBase


class BackpackScriptConfigBase(BaseClientModel):
    script_file_name: str = Field(default="", json_schema_extra={"prompt_on_new": False})


__all__ = ["BackpackScriptBase", "BackpackScriptConfigBase"]
