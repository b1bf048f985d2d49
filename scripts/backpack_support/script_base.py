"""The base class of our scripts, the same on both Hummingbot lines.

Hummingbot 20251103 has ``ScriptStrategyBase``; 20260922 removed it and its ``StrategyV2Base`` (no
longer a subclass of it) offers the same script API: ``markets``, ``init_markets``, ``on_tick``,
``buy``/``sell``/``cancel``, ``get_active_orders``, ``connectors``, ``format_status``.
20260922 starts a script from a config file in conf/scripts/ that names it and always builds the
script's config class from that file, so each config class declares ``script_file_name``.
Only the strategy base is shared here: Hummingbot picks a script's config class by scanning the
module for ``BaseClientModel`` subclasses, so a shared config base would be picked instead.
"""
try:
    from hummingbot.strategy.script_strategy_base import ScriptStrategyBase as BackpackScriptBase
except ModuleNotFoundError:  # Hummingbot 20260922 and later
    from hummingbot.strategy.strategy_v2_base import StrategyV2Base as BackpackScriptBase

__all__ = ["BackpackScriptBase"]
