"""Scenarios 43 and 44 (issue 22 item 6): perp state at Hummingbot's real timings (status poll every 120 s while
the private stream is live, funding poll every 120 s), time moved by the test's virtual clock.

- 43: the status poll's `/api/v1/position` answer is slow (2 s): a position the stream opens while it is on its
  way is not deleted by it (nothing would restore it before the next poll, 120 s later);
- 44: Hummingbot stops the network (its connectivity check failed) and starts it again, as `NetworkBase` does;
  the funding payment made in between is reported once, like the ones before and after.
"""
import asyncio
from decimal import Decimal

from hummingbot.core.event.events import MarketEvent
from test.reliability.base import ReliabilityTestCase
from test.reliability.venue import PAIR, PERP_SYMBOL, wait_for

POSITION_PATH = "/api/v1/position"
SLOW_ANSWER_S = 2.0
FUNDING_POLL_S = 120  # Hummingbot's funding poll, from the perp connector's `funding_fee_poll_interval`


class PerpStateFaultTests(ReliabilityTestCase):
    SPOT = False
    PERP = True
    REAL_TIMINGS = True

    def emulator_position(self) -> Decimal:
        return {p.symbol: p.net_quantity for p in self.venue.server.exchange.open_positions(self.venue.api_key)
                }.get(PERP_SYMBOL, Decimal(0))

    def held_position(self) -> Decimal:
        return sum((p.amount for p in self.venue.perp.account_positions.values() if p.trading_pair == PAIR),
                   Decimal(0))

    async def open_position(self, amount: str = "1", price: str = "150"):
        """A resting buy filled by another account: the position comes through the private stream."""
        perp = self.venue.perp
        await self.place(perp, "buy", amount, price)
        self.venue.counterparty(PERP_SYMBOL, "Ask", amount, price)
        await wait_for(lambda: self.held_position() == self.emulator_position() != 0, "the position from the stream")

    async def test_43_slow_position_answer_while_the_stream_opens_a_position(self):
        self.scenario("43 slow /position answer, position opened meanwhile")
        perp, clock = self.venue.perp, self.clock
        self.assertEqual(0, self.emulator_position())
        await self.fault(self.venue.admin.delay(POSITION_PATH, SLOW_ANSWER_S, method="GET"))
        asked = len(self.venue.server.request_log.entries(path=POSITION_PATH))
        poll = asyncio.ensure_future(clock.until_next_poll(perp))  # 120 s: the stream is live
        await wait_for(lambda: len(self.venue.server.request_log.entries(path=POSITION_PATH)) > asked,
                       "the poll's position request")  # answered "no position", delivered 2 s later
        await self.open_position()
        self.assertFalse(poll.done())
        await poll
        await self.venue.admin.delay(POSITION_PATH, 0, method="GET")
        self.assertEqual(self.emulator_position(), self.held_position())  # nothing restores it for 120 s
        await clock.advance(60)
        self.assertEqual(self.emulator_position(), self.held_position())
        await clock.until_next_poll(perp)  # balances after the fill, and the position again, both current
        await self.assert_consistent()

    def pay_funding(self, rate: str = "0.0001"):
        """The exchange settles a funding interval now (virtual time): a row for each open position (ours and
        the counterparty's)."""
        self.venue.server.exchange.settlement.pay_funding(PERP_SYMBOL, Decimal(rate), self.venue.server.clock.now_ms())

    def hold_the_hourly_funding(self):
        """For a scenario that settles funding itself. The emulator also settles on the hour of its clock, from a
        loop that runs in real time: when the virtual clock jumps past the hour, that row can be written after a
        later one of the scenario's, stamped earlier, which the live exchange never does (it stamps each payment
        with its interval's end, in order). Its next hourly settlement is moved a day ahead."""
        exchange = self.venue.server.exchange
        exchange.next_funding_ms[PERP_SYMBOL] = exchange.clock.now_ms() + 24 * 3600 * 1000

    def reported_funding(self) -> list:
        return [(e.timestamp, e.amount) for e in self.events(self.venue.perp, MarketEvent.FundingPaymentCompleted)]

    def emulator_funding(self) -> list:
        rows = self.venue.server.exchange.funding_history[self.venue.api_key]
        return [Decimal(row["quantity"]) for row in rows if row["symbol"] == PERP_SYMBOL]

    async def test_44_funding_paid_while_the_network_was_restarted(self):
        self.scenario("44 funding paid during a network restart")
        perp, clock = self.venue.perp, self.clock
        self.hold_the_hourly_funding()  # else the test failed when run in the 12 minutes before an hour
        await self.open_position()
        self.pay_funding()
        await clock.advance(FUNDING_POLL_S)  # the funding poll reports it
        await wait_for(lambda: len(self.reported_funding()) == 1, "the first payment")

        await clock.advance(10)
        self.stats.faults += 1
        await perp.stop_network()  # Hummingbot's connectivity check failed
        # (the clock is not moved while stopped: the harness would wait for a status poll no loop runs)
        self.pay_funding("0.0002")  # paid while the network is stopped
        await perp.start_network()  # the check passed again: same connector, same bot session
        await self.venue.wait_ready()
        await clock.advance(FUNDING_POLL_S)
        await wait_for(lambda: len(self.reported_funding()) == 2, "the payment made while stopped")

        self.pay_funding("0.0003")
        await clock.advance(FUNDING_POLL_S)
        await wait_for(lambda: len(self.reported_funding()) == 3, "the payment after the restart")
        await clock.advance(2 * FUNDING_POLL_S)
        await clock.until_next_poll(perp)
        await self.assert_consistent()
        reported, paid = [amount for _, amount in self.reported_funding()], self.emulator_funding()
        self.stats.lost += max(0, len(paid) - len(reported))
        self.stats.duplicated += len(reported) - len(set(self.reported_funding()))
        self.assertEqual(paid, reported)  # each payment once, in order
