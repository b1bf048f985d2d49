"""Make the tests import this working tree's connector packages and plugin modules.

The installed plugin's import hook (hummingbot_backpack.pth) serves Hummingbot's Backpack module names
from the installed copy. Here it is pointed at the working tree's ``hummingbot/`` folders instead, and the
working tree's ``hummingbot_backpack/`` goes first on that package's path (the .pth imported the installed
package at interpreter start), so a test always exercises the files in front of it, even between two
``make setup`` runs. Nothing else changes: the import hook and Hummingbot's code paths are the ones a
user's installation runs.
"""
import os

import hummingbot_backpack
from hummingbot_backpack import import_hook

ROOT = os.path.dirname(os.path.abspath(__file__))
_plugin_folder = os.path.join(ROOT, "hummingbot_backpack")
if _plugin_folder not in hummingbot_backpack.__path__:
    hummingbot_backpack.__path__.insert(0, _plugin_folder)
import_hook.use_code_root(os.path.join(ROOT, "hummingbot"))
