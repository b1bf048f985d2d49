"""Money movements: spot reservations and fills, perp PnL and margin, fees, funding payments.

Spot: a buy pays quote from its reservation and receives base minus the fee (fee in base); a sell
delivers base from its reservation and receives quote minus the fee (fee in quote). Perp: the
position's cost basis moves, realised PnL and fees settle in USDC. Fees go to a fee account and
funding residue to an insurance account, so value is conserved across all accounts.
"""
from decimal import Decimal
from typing import Any, Deque, Dict, List, Optional, Protocol, Tuple

from backpack_emulator.accounts import FEE_ACCOUNT, INSURANCE_ACCOUNT, AccountSettings
from backpack_emulator.book import OrderBook
from backpack_emulator.clock import iso_seconds
from backpack_emulator.decimals import ZERO, fee_amount, floor_to, fmt
from backpack_emulator.errors import ApiError
from backpack_emulator.ledger import InsufficientFunds, Ledger
from backpack_emulator.markets import COLLATERAL_WEIGHTS, Market
from backpack_emulator.matching import buy_cost
from backpack_emulator.orders import Order
from backpack_emulator.perps import Position, funding_payment, reducible

SETTLEMENT_ASSET = "USDC"
FeeByRole = Dict[bool, Tuple[Decimal, str]]  # is_maker -> (fee, fee asset)


class ExchangeState(Protocol):
    """What settlement reads and calls on the exchange (a Protocol: exchange.py imports this module)."""
    ledger: Ledger
    markets: Dict[str, Market]
    marks: Dict[str, Decimal]
    settings: Dict[str, AccountSettings]
    open_orders: Dict[str, Order]
    positions: Dict[Tuple[str, str], Position]
    funding_history: Dict[str, Deque[Dict[str, Any]]]
    funding_rate_history: Dict[str, Deque[Dict[str, Any]]]

    def position(self, account: str, symbol: str) -> Position: ...

    def open_positions(self, account: str) -> List[Position]: ...

    def emit_position(self, position: Position, event: Optional[str]) -> None: ...


class Settlement:
    def __init__(self, exchange: ExchangeState) -> None:
        self.exchange = exchange
        self.ledger = exchange.ledger

    # ----- spot reservations
    def reserve(self, order: Order, market: Market, book: OrderBook) -> None:
        if order.is_bid:
            asset = market.quote
            if order.order_type == "Limit":
                amount = order.price * order.quantity
            elif order.quote_quantity is not None:
                amount = order.quote_quantity
            else:
                amount = buy_cost(book.asks, order, order.quantity)
        else:
            asset = market.base
            if order.quantity is not None:
                amount = order.quantity
            else:  # quote-sized sell: hold what could be sold, the fill cap keeps it within that
                sellable = self.ledger.available(order.account, asset)
                if order.auto_lend_redeem:
                    sellable += self.exchange.lending.redeemable(order.account, asset)
                amount = floor_to(sellable, market.step_size)
                if amount <= 0:
                    raise InsufficientFunds()
        if order.auto_lend_redeem:
            self.exchange.lending.redeem_for(order.account, asset, amount)
        self.ledger.lock(order.account, asset, amount)
        order.reserved = amount

    def release(self, order: Order) -> None:
        if order.reserved > 0:
            market = self.exchange.markets[order.symbol]
            self.ledger.unlock(order.account, market.quote if order.is_bid else market.base, order.reserved)
            order.reserved = ZERO

    # ----- fills
    def _bps(self, order: Order, market: Market, is_maker: bool) -> Decimal:
        return self.exchange.settings[order.account].fee_bps(market.is_perp, is_maker)

    def settle_fill(self, market: Market, maker: Order, taker: Order, quantity: Decimal, price: Decimal) -> FeeByRole:
        if market.is_perp:
            return self._settle_perp(market, maker, taker, quantity, price)
        return self._settle_spot(market, maker, taker, quantity, price)

    def _settle_spot(self, market: Market, maker: Order, taker: Order, quantity: Decimal, price: Decimal) -> FeeByRole:
        bid, ask = (maker, taker) if maker.is_bid else (taker, maker)
        notional = quantity * price
        ledger = self.ledger
        ledger.spend_locked(bid.account, market.quote, notional)
        if bid.order_type == "Limit":
            refund = (bid.price - price) * quantity  # reserved at its limit, paid the maker's price
            if refund:
                ledger.unlock(bid.account, market.quote, refund)
            bid.reserved -= bid.price * quantity
        else:
            bid.reserved -= notional
        ledger.spend_locked(ask.account, market.base, quantity)
        ask.reserved -= quantity
        bid_fee = fee_amount(quantity, self._bps(bid, market, bid is maker))
        ask_fee = fee_amount(notional, self._bps(ask, market, ask is maker))
        ledger.credit(bid.account, market.base, quantity - bid_fee)
        ledger.credit(ask.account, market.quote, notional - ask_fee)
        ledger.credit(FEE_ACCOUNT, market.base, bid_fee)
        ledger.credit(FEE_ACCOUNT, market.quote, ask_fee)
        return {bid is maker: (bid_fee, market.base), ask is maker: (ask_fee, market.quote)}

    def _settle_perp(self, market: Market, maker: Order, taker: Order, quantity: Decimal, price: Decimal) -> FeeByRole:
        fees: FeeByRole = {}
        for order, is_maker in ((maker, True), (taker, False)):
            position = self.exchange.position(order.account, market.symbol)
            before = position.net_quantity
            realised = position.apply_fill(quantity if order.is_bid else -quantity, price)
            fee = fee_amount(quantity * price, self._bps(order, market, is_maker))
            self.ledger.adjust(order.account, SETTLEMENT_ASSET, realised - fee)
            self.ledger.credit(FEE_ACCOUNT, SETTLEMENT_ASSET, fee)
            fees[is_maker] = (fee, SETTLEMENT_ASSET)
            after = position.net_quantity
            event = "positionOpened" if before == 0 else "positionClosed" if after == 0 else "positionAdjusted"
            self.exchange.emit_position(position, event)
        return fees

    # ----- margin
    def imf(self, account: str, market: Market) -> Decimal:
        leverage = self.exchange.settings[account].leverage_limit
        return max(market.imf_base, Decimal(1) / leverage if leverage > 0 else Decimal(1))

    def asset_price(self, asset: str) -> Decimal:
        if asset == SETTLEMENT_ASSET:
            return Decimal(1)
        return self.exchange.marks.get(f"{asset}_{SETTLEMENT_ASSET}", ZERO)

    def margin_summary(self, account: str) -> Dict[str, Decimal]:
        """Account-level figures of /capital/collateral, all in USDC."""
        ex = self.exchange
        assets_value = locked_value = liabilities = ZERO
        for asset in self.ledger.assets(account):
            weight = COLLATERAL_WEIGHTS.get(asset, Decimal("0.5"))
            price = self.asset_price(asset)
            net_lend = self.ledger.net_lend(account, asset)
            held = self.ledger.available(account, asset) + self.ledger.locked(account, asset) + max(net_lend, ZERO)
            assets_value += held * price * (weight if held > 0 else 1)
            liabilities += max(-net_lend, ZERO) * price
            locked_value += self.ledger.locked(account, asset) * price * weight
        unrealized = margin_used = maintenance = exposure = ZERO
        for position in ex.open_positions(account):
            market, mark = ex.markets[position.symbol], ex.marks[position.symbol]
            notional = abs(position.net_quantity) * mark
            unrealized += position.unrealized(mark)
            margin_used += notional * self.imf(account, market)
            maintenance += notional * market.mmf_base
            exposure += notional
        for order in ex.open_orders.values():
            if order.account == account and ex.markets[order.symbol].is_perp and not order.reduce_only \
                    and order.quantity is not None:  # a pending trigger order holds no margin
                margin_used += order.remaining * order.price * self.imf(account, ex.markets[order.symbol])
        net_equity = assets_value - liabilities + unrealized
        net_locked = margin_used + locked_value
        return {"assetsValue": assets_value, "borrowLiability": liabilities, "netEquity": net_equity, "netEquityLocked": net_locked,
                "netEquityAvailable": net_equity - net_locked, "pnlUnrealized": unrealized,
                "marginUsed": margin_used, "maintenance": maintenance, "netExposureFutures": exposure}

    def check_margin(self, order: Order, market: Market, book: OrderBook) -> None:
        if order.reduce_only:
            return
        reference = order.price or book.side(not order.is_bid).best() or self.exchange.marks[market.symbol]
        quantity = order.quantity if order.quantity is not None else order.quote_quantity / reference
        position: Optional[Position] = self.exchange.positions.get((order.account, market.symbol))
        opening = quantity - reducible(position, order.is_bid)
        if opening <= 0:
            return
        needed = opening * reference * self.imf(order.account, market)
        if needed > self.margin_summary(order.account)["netEquityAvailable"]:
            raise ApiError(400, "INSUFFICIENT_MARGIN", "Insufficient margin")

    # ----- funding
    def pay_funding(self, symbol: str, rate: Decimal, interval_end_ms: int) -> int:
        ex = self.exchange
        mark = ex.marks[symbol]
        end_text = iso_seconds(interval_end_ms // 1000)
        total, paid = ZERO, 0
        for (account, position_symbol), position in ex.positions.items():
            if position_symbol != symbol or position.net_quantity == 0:
                continue
            amount = funding_payment(position, mark, rate)
            self.ledger.adjust(account, SETTLEMENT_ASSET, amount)
            position.cumulative_funding += amount
            total += amount
            paid += 1
            ex.funding_history[account].append({
                "userId": ex.settings[account].user_id, "subaccountId": 0, "symbol": symbol,
                "quantity": fmt(amount), "intervalEndTimestamp": end_text, "fundingRate": fmt(rate)})
        self.ledger.adjust(INSURANCE_ACCOUNT, SETTLEMENT_ASSET, -total)
        ex.funding_rate_history[symbol].append({"symbol": symbol, "intervalEndTimestamp": end_text,
                                                "fundingRate": fmt(rate)})
        return paid
