"""Order status and fills from REST, shared by the spot and perp Backpack connectors: the resting order
(`/api/v1/order`), then order history, then fills history (deduplicated by trade id, so each fill reaches
Hummingbot's tracker once)."""
from decimal import Decimal
from typing import Any, AsyncIterator, Dict, List, Optional

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS, backpack_errors as errors
from hummingbot.connector.exchange.backpack.backpack_messages import Fill, OrderStatus, seconds_from_any
from hummingbot.core.data_type.common import OrderType
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderUpdate, TradeUpdate
from hummingbot.core.data_type.trade_fee import TokenAmount, TradeFeeBase, TradeFeeSchema


class BackpackOrderNotFound(IOError):
    """The order is neither resting (`/api/v1/order`) nor in order or fill history."""


class BackpackOrderSearchCutShort(IOError):
    """The order was not found, but the history search stopped at its page limit before the order's creation:
    no proof that it is not there (it is never counted as "not found")."""


class BackpackOrderStatusMixin:
    HISTORY_PAGE_LIMIT = CONSTANTS.HISTORY_PAGE_LIMIT
    FILL_HISTORY_MAX_PAGES = 20  # bounds the paging of one order's fills (20 x 1000 rows)
    ORDER_HISTORY_MAX_PAGES = 5  # bounds the search of an order without exchange id among the newest rows
    HISTORY_CLOCK_MARGIN_S = 60.0  # rows older than the order by more than this cannot be about it

    async def _request_order_status(self, tracked_order: InFlightOrder) -> OrderUpdate:
        return self._order_update(tracked_order, await self._request_order_row(tracked_order), self.current_timestamp)

    async def _request_order_row(self, tracked_order: InFlightOrder) -> OrderStatus:
        """The order as the exchange has it (`timestamp` its createdAt, None when known from fills only)."""
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair=tracked_order.trading_pair)
        try:
            order = await self._api_get(path_url=CONSTANTS.ORDER_PATH_URL, is_auth_required=True,
                                        params={"symbol": symbol, **self._cancel_target(tracked_order)})
            status = OrderStatus.from_rest(order)
        except IOError as error:
            if not errors.is_not_found(error):
                raise
            status = None
        if status is None or not self._is_same_order(tracked_order, status.exchange_order_id, status.client_order_id):
            # Only resting orders are visible there (and one looked up by clientId may be another order reusing
            # it): the final state is in the history endpoints.
            status = await self._status_from_history(tracked_order, symbol)
        return status

    def _order_update(self, order: InFlightOrder, status: OrderStatus, timestamp: float) -> OrderUpdate:
        """The tracker update for an order status from REST or the stream. A reduce-only order expired with
        nothing to reduce becomes a failure with the reason (see OrderStatus.nothing_left_to_reduce)."""
        self._note_reported_executed(order, status)  # the fill polls compare it with the tracker's
        misc_updates = None
        if status.nothing_left_to_reduce:
            message = (f"Reduce-only order {order.client_order_id} ({order.trade_type.name} {order.amount} "
                       f"{order.trading_pair}) expired unfilled on {self.name}: nothing left to reduce "
                       f"({status.expiry_reason}: the position is already flat or on the other side). "
                       f"Reported as failed; placing it again cannot fill.")
            misc_updates = {"error_type": status.expiry_reason, "error_message": message}
            # Once per order: the stream (maybe twice) and a status poll may all report it before it is applied.
            if not getattr(order, "nothing_to_reduce_logged", False):
                order.nothing_to_reduce_logged = True
                self.logger().warning(message)
        return OrderUpdate(client_order_id=order.client_order_id, exchange_order_id=status.exchange_order_id,
                           trading_pair=order.trading_pair, update_timestamp=timestamp, new_state=status.state,
                           misc_updates=misc_updates)

    async def _status_from_history(self, order: InFlightOrder, symbol: str) -> OrderStatus:
        params = {"symbol": symbol}
        if order.exchange_order_id:
            params["orderId"] = order.exchange_order_id
        # Newest first: an order without its exchange id is looked for among the account's latest orders.
        cut_short: List[str] = []
        async for rows in self._history_pages(CONSTANTS.ORDER_HISTORY_PATH_URL, params, order, CONSTANTS.SORT_DESC,
                                              1 if order.exchange_order_id else self.ORDER_HISTORY_MAX_PAGES,
                                              cut_short):
            for row in rows:
                status = OrderStatus.from_rest(row)
                if self._is_same_order(order, status.exchange_order_id, status.client_order_id):
                    return status
        fills = await self._fills_for_order(order, symbol, cut_short)
        filled = sum((f.amount for f in fills), Decimal("0"))
        if fills:
            # It executed, so it is no "not found" (nor "never executed"). Not all filled and not in order history
            # (which may trail the fills): its final state is not known yet; partially filled until it shows there.
            return OrderStatus(exchange_order_id=fills[0].exchange_order_id, client_order_id=order.client_order_id,
                               symbol=symbol, status="Filled" if filled >= order.amount else "PartiallyFilled",
                               executed_quantity=filled, timestamp=None)
        if cut_short:
            raise BackpackOrderSearchCutShort(
                f"Order {order.client_order_id} not found on {self.name} in the newest pages of "
                f"{' and '.join(cut_short)} ({len(fills)} fills); older rows were not searched.")
        raise BackpackOrderNotFound(f"Order {order.client_order_id} not found on {self.name} "
                                    f"(not resting, not in order history, {len(fills)} fills).")

    async def _history_pages(self, path_url: str, params: Dict[str, Any], order: InFlightOrder, direction: str,
                             max_pages: int, cut_short: Optional[List[str]] = None
                             ) -> AsyncIterator[List[Dict[str, Any]]]:
        """Pages of a history endpoint in an explicit `sortDirection` (Backpack documents no default).

        Stops at a short page, at a page with nothing new (a server ignoring `offset`), after `max_pages` (then
        `path_url` is added to `cut_short`: rows of the order may be further on), and, newest first, at rows older
        than the order (with a margin for clock skew): nothing of it is further on."""
        limit = self.HISTORY_PAGE_LIMIT
        seen: set = set()
        for page in range(max_pages):
            rows = await self._api_get(path_url=path_url, is_auth_required=True, params={
                **params, "limit": limit, "offset": page * limit, "sortDirection": direction})
            rows = [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []
            keys = {self._history_row_key(row) for row in rows}
            if rows and keys <= seen:
                return
            seen |= keys
            yield rows
            if len(rows) < limit:
                return
            if direction == CONSTANTS.SORT_DESC and self._older_than(rows[-1], order):
                return
        if cut_short is not None:
            cut_short.append(path_url)

    @staticmethod
    def _history_row_key(row: Dict[str, Any]) -> str:
        return str(row.get("tradeId") if "tradeId" in row else row.get("id"))

    def _older_than(self, row: Dict[str, Any], order: InFlightOrder) -> bool:
        try:
            moment = seconds_from_any(row.get("timestamp") or row.get("createdAt"))
        except ValueError:
            return False
        return moment is not None and moment < order.creation_timestamp - self.HISTORY_CLOCK_MARGIN_S

    @staticmethod
    def _is_same_order(order: InFlightOrder, exchange_order_id: Optional[str], client_order_id: Optional[str]) -> bool:
        """Once the order's exchange id is known, only it identifies the order: a clientId can be reused by
        another order of the account (another process, an earlier run) once ours is closed."""
        if order.exchange_order_id and exchange_order_id:
            return exchange_order_id == order.exchange_order_id
        return client_order_id is not None and client_order_id == order.client_order_id

    # ----- fills -----

    async def _fills_for_order(self, order: InFlightOrder, symbol: Optional[str] = None,
                               cut_short: Optional[List[str]] = None) -> List[Fill]:
        """The order's fills, each trade id once. With its exchange id: every page of them, oldest first (new
        fills then land after the pages already read), bounded by FILL_HISTORY_MAX_PAGES. Without it: the
        market's newest fills back to the order's creation, matched by clientId."""
        symbol = symbol or await self.exchange_symbol_associated_to_pair(trading_pair=order.trading_pair)
        params: Dict[str, Any] = {"symbol": symbol}
        if order.exchange_order_id:
            params["orderId"] = order.exchange_order_id
            direction, max_pages = CONSTANTS.SORT_ASC, self.FILL_HISTORY_MAX_PAGES
        else:
            direction, max_pages = CONSTANTS.SORT_DESC, self.ORDER_HISTORY_MAX_PAGES
        fills: Dict[str, Fill] = {}
        async for rows in self._history_pages(CONSTANTS.FILL_HISTORY_PATH_URL, params, order, direction, max_pages,
                                              cut_short):
            for fill in (Fill.from_history(row) for row in rows):
                if self._is_same_order(order, fill.exchange_order_id, fill.client_order_id):
                    fills.setdefault(fill.trade_id, fill)
        return list(fills.values())

    async def _all_trade_updates_for_order(self, order: InFlightOrder) -> List[TradeUpdate]:
        if order.trading_pair not in (await self.trading_pair_symbol_map()).inverse:
            return []  # an order refused before sending (unknown pair) has no fills to look for
        # Trade ids are the same on WS and REST, so the tracker drops fills it already has (no duplicate event).
        return [self._trade_update(order, fill) for fill in await self._fills_for_order(order)]

    def _trade_update(self, order: InFlightOrder, fill: Fill) -> TradeUpdate:
        return TradeUpdate(
            trade_id=fill.trade_id,
            client_order_id=order.client_order_id,
            exchange_order_id=fill.exchange_order_id,
            trading_pair=order.trading_pair,
            fill_timestamp=fill.timestamp,
            fill_price=fill.price,
            fill_base_amount=fill.amount,
            fill_quote_amount=fill.price * fill.amount,
            fee=self._fee_for_fill(order, fill),
        )

    def _fee_for_fill(self, order: InFlightOrder, fill: Fill) -> TradeFeeBase:
        raise NotImplementedError

    @staticmethod
    def _estimated_fee_percent(schema: TradeFeeSchema, order_type: OrderType, is_maker: Optional[bool]) -> Decimal:
        """The schema's maker or taker rate (post-only orders are makers unless told otherwise)."""
        is_maker = order_type is OrderType.LIMIT_MAKER if is_maker is None else is_maker
        return schema.maker_percent_fee_decimal if is_maker else schema.taker_percent_fee_decimal

    @staticmethod
    def _flat_fees_of(fill: Fill) -> List[TokenAmount]:
        """The fee Backpack actually charged for a fill, in the asset it charged."""
        return [TokenAmount(amount=fill.fee_amount, token=fill.fee_asset)] if fill.fee_asset else []

    # ----- trading pairs at runtime -----
