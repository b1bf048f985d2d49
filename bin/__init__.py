"""Launchers run from this repository: the interactive console and the (headless) quickstart."""
