"""Make the tests import this working tree's connector packages.

The installed plugin's import hook (hummingbot_backpack.pth) serves Hummingbot's Backpack module names
from the installed copy. Here it is pointed at the working tree's ``hummingbot/`` folders instead, so a
test always exercises the files in front of it, even between two ``make setup`` runs. Nothing else
changes: the import hook and Hummingbot's code paths are the ones a user's installation runs.
"""
import os

from hummingbot_backpack import import_hook

ROOT = os.path.dirname(os.path.abspath(__file__))
import_hook.use_code_root(os.path.join(ROOT, "hummingbot"))
