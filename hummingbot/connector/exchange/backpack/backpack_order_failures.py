"""Why an order create failed, in the line the user reads (shared by spot and perp).

Hummingbot's `_on_order_failure` reports every failed create the same way: "Error submitting ... order"
(the cause only in a traceback) and "Failed to submit BUY order to Backpack. Check API key and network
connection." as the warning the user sees, also when the exchange answered and refused the order for a
reason of its own (a post-only order that would have taken liquidity, insufficient funds, a clientId already
in use, an invalid quantity...). For those refusals the warning says the reason instead, naming the order
(Hummingbot's own log line stays). A failure without such an answer (no connection, timeout, 5xx, 429) keeps
Hummingbot's message: there the API key and the network are what to check.
"""
from decimal import Decimal
from typing import Optional

from hummingbot.connector.exchange.backpack import backpack_errors as errors
from hummingbot.core.data_type.common import OrderType, TradeType

TOO_MANY_REQUESTS = 429


def refusal_reason(exception: BaseException) -> Optional[str]:
    """The exchange's reason when `exception` carries its refusal of the request (an HTTP 4xx answer other
    than 429, raised as is or as the cause of our own error), else None."""
    for candidate in (exception, exception.__cause__):
        if candidate is None:
            continue
        error = errors.parse_error(candidate)
        if error.status is None or not 400 <= error.status < 500 or error.status == TOO_MANY_REQUESTS:
            continue
        if candidate is not exception:
            return str(exception)  # our own words about the refusal (e.g. post-only), the exchange's in its cause
        what = error.message or "no reason given"
        return f"{what} ({error.code}, HTTP {error.status})" if error.code else f"{what} (HTTP {error.status})"
    return None


class BackpackOrderFailureMixin:

    def _on_order_failure(self, order_id: str, trading_pair: str, amount: Decimal, trade_type: TradeType,
                          order_type: OrderType, price: Optional[Decimal], exception: Exception, **kwargs):
        reason = refusal_reason(exception)
        if reason is None:
            super()._on_order_failure(order_id=order_id, trading_pair=trading_pair, amount=amount,
                                      trade_type=trade_type, order_type=order_type, price=price,
                                      exception=exception, **kwargs)
            return
        # Hummingbot's log line (its tests and log readers expect it), with the reason as the warning shown.
        self.logger().network(
            f"Error submitting {trade_type.name.lower()} {order_type.name.upper()} order to {self.name_cap} for "
            f"{amount} {trading_pair} {price}.", exc_info=True,
            app_warning_msg=f"{self.name_cap} refused the {trade_type.name.lower()} {order_type.name} order "
                            f"{order_id} ({amount} {trading_pair} at {price}): {reason}")
        self._update_order_after_failure(order_id=order_id, trading_pair=trading_pair, exception=exception)
