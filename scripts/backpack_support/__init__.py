"""Helpers shared by our Backpack scripts (kept out of the script modules themselves: Hummingbot picks a
script's strategy and config classes by scanning the module, so a script must define exactly one of each)."""
