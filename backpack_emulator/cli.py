"""Command line: ``python -m backpack_emulator [--host H] [--port P] [--account KEY:USDC=1000,SOL=5] ...``.

Prints ``REST_URL=...`` and ``WS_URL=...`` (flushed) once listening, then serves until SIGTERM/SIGINT.
"""
import argparse
import asyncio
import signal
import sys
from decimal import Decimal, InvalidOperation
from typing import Dict, List, Optional, Tuple

from backpack_emulator.server import EmulatorServer, check_loopback


def parse_account(text: str) -> Tuple[str, Dict[str, str]]:
    """``API_KEY:USDC=10000,SOL=100`` -> (api key, balances). The key itself is base64 and has no ':'."""
    api_key, _, spec = text.partition(":")
    if not api_key:
        raise argparse.ArgumentTypeError(f"account {text!r}: expected API_KEY:ASSET=AMOUNT,...")
    balances: Dict[str, str] = {}
    for item in filter(None, spec.split(",")):
        asset, _, amount = item.partition("=")
        try:
            if not asset or not Decimal(amount).is_finite() or Decimal(amount) < 0:
                raise InvalidOperation
        except InvalidOperation:
            raise argparse.ArgumentTypeError(f"account {api_key[:8]}...: bad balance {item!r}")
        balances[asset] = amount
    return api_key, balances


def loopback_host(text: str) -> str:
    try:
        return check_loopback(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m backpack_emulator",
                                     description="Local Backpack Exchange emulator (REST + WebSocket).")
    parser.add_argument("--host", default="127.0.0.1", type=loopback_host,
                        help="loopback address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one and prints it (default 0)")
    parser.add_argument("--account", action="append", type=parse_account, default=[], metavar="API_KEY:ASSET=AMT,...",
                        help="create an account by API key (base64 ED25519 public key) with starting balances, "
                             "e.g. KEY:USDC=10000,SOL=100; repeatable")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the market-data generator (default 1)")
    parser.add_argument("--no-market-data", action="store_true",
                        help="do not run the market-data generator (books start empty)")
    parser.add_argument("--speed", type=float, default=1.0,
                        help="market-data generator speed factor; 2.0 = twice as many updates (default 1.0)")
    parser.add_argument("--market-data-interval", type=float, default=0.2,
                        help="seconds between generator steps at speed 1.0 (default 0.2)")
    parser.add_argument("--funding-interval", type=float, default=3600.0,
                        help="seconds between perp funding payments (default 3600)")
    parser.add_argument("--ping-interval", type=float, default=60.0,
                        help="seconds between server WebSocket pings (default 60)")
    parser.add_argument("--history-default-sort", choices=("Asc", "Desc"), default="Desc",
                        help="order of the history endpoints when a query has no sortDirection (Backpack does "
                             "not document it; default Desc)")
    parser.add_argument("--extra-markets", type=int, default=0, metavar="N",
                        help="add N synthetic spot markets SYN000_USDC... and their perps SYN000_USDC_PERP... "
                             "(default 0)")
    return parser


async def serve(args: argparse.Namespace) -> None:
    server = EmulatorServer(host=args.host, port=args.port, seed=args.seed, market_data=not args.no_market_data,
                            accounts=dict(args.account), funding_interval_s=args.funding_interval,
                            market_data_interval_s=args.market_data_interval, speed=args.speed,
                            ping_interval_s=args.ping_interval, history_default_sort=args.history_default_sort,
                            extra_markets=args.extra_markets)
    await server.start()
    print(f"REST_URL={server.rest_url}", flush=True)
    print(f"WS_URL={server.ws_url}", flush=True)
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, done.set)
    try:
        await done.wait()
    finally:
        await server.stop()


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    if args.speed <= 0 or args.funding_interval <= 0 or args.market_data_interval <= 0:
        print("--speed, --funding-interval and --market-data-interval must be positive", file=sys.stderr)
        return 2
    if args.extra_markets < 0:
        print("--extra-markets must be >= 0", file=sys.stderr)
        return 2
    asyncio.run(serve(args))
    return 0
