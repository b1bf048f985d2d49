"""A local Backpack Exchange: HTTP + WebSocket server on 127.0.0.1 speaking Backpack's wire format.

Start it in-process with :class:`backpack_emulator.server.EmulatorServer` or from the command line
with ``python -m backpack_emulator``.
"""
