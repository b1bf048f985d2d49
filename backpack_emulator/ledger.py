"""Per-account balances, split into available and locked (spot movements never go negative), plus the
account's borrow/lend position per asset (net quantity: positive lent, negative borrowed)."""
from collections import defaultdict
from decimal import Decimal
from typing import Dict, Iterable

from backpack_emulator.decimals import ZERO
from backpack_emulator.errors import ApiError


class InsufficientFunds(ApiError):
    def __init__(self) -> None:
        super().__init__(400, "INSUFFICIENT_FUNDS", "Insufficient funds")


class Ledger:
    def __init__(self) -> None:
        self._available: Dict[str, Dict[str, Decimal]] = {}
        self._locked: Dict[str, Dict[str, Decimal]] = {}
        self._lent: Dict[str, Dict[str, Decimal]] = {}

    def open(self, account: str) -> None:
        self._available.setdefault(account, defaultdict(Decimal))
        self._locked.setdefault(account, defaultdict(Decimal))
        self._lent.setdefault(account, defaultdict(Decimal))

    def accounts(self) -> Iterable[str]:
        return list(self._available)

    def has(self, account: str) -> bool:
        return account in self._available

    def available(self, account: str, asset: str) -> Decimal:
        return self._available[account].get(asset, ZERO)

    def locked(self, account: str, asset: str) -> Decimal:
        return self._locked[account].get(asset, ZERO)

    def net_lend(self, account: str, asset: str) -> Decimal:
        return self._lent[account].get(asset, ZERO)

    def lend_positions(self, account: str) -> Dict[str, Decimal]:
        return {asset: net for asset, net in sorted(self._lent[account].items()) if net != 0}

    def total(self, account: str, asset: str) -> Decimal:
        """What the account owns of the asset: cash, funds in orders, and its lend (less its borrow)."""
        return self.available(account, asset) + self.locked(account, asset) + self.net_lend(account, asset)

    def assets(self, account: str) -> Iterable[str]:
        return sorted(set(self._available[account]) | set(self._locked[account]) | set(self._lent[account]))

    def lend(self, account: str, asset: str, amount: Decimal) -> None:
        """Available funds into the lend position (repays a borrow first: the position is net)."""
        self.debit(account, asset, amount)
        self._lent[account][asset] += amount

    def borrow(self, account: str, asset: str, amount: Decimal) -> None:
        """The lend position down by ``amount`` into available funds: redeems a lend, then borrows."""
        self._lent[account][asset] -= amount
        self._available[account][asset] += amount

    def credit(self, account: str, asset: str, amount: Decimal) -> None:
        self._available[account][asset] += amount

    def debit(self, account: str, asset: str, amount: Decimal) -> None:
        if self.available(account, asset) < amount:
            raise InsufficientFunds()
        self._available[account][asset] -= amount

    def adjust(self, account: str, asset: str, delta: Decimal) -> None:
        """Signed cash movement of perp settlement (PnL, funding, fees): may leave a deficit, since
        the emulator has no liquidation engine."""
        self._available[account][asset] += delta

    def lock(self, account: str, asset: str, amount: Decimal) -> None:
        self.debit(account, asset, amount)
        self._locked[account][asset] += amount

    def unlock(self, account: str, asset: str, amount: Decimal) -> None:
        self._take_locked(account, asset, amount)
        self._available[account][asset] += amount

    def spend_locked(self, account: str, asset: str, amount: Decimal) -> None:
        self._take_locked(account, asset, amount)

    def _take_locked(self, account: str, asset: str, amount: Decimal) -> None:
        if self._locked[account][asset] < amount:
            raise AssertionError(f"locked {asset} of {account[:8]} would go negative")
        self._locked[account][asset] -= amount

    def grand_total(self, asset: str) -> Decimal:
        return sum((self.total(a, asset) for a in self._available), ZERO)
