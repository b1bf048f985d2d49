"""`LoopClock`: moves the running event loop's clock forward, so that its timers (sleeps, timeouts) fire as if that
much time had passed, without the test waiting for it: the connector's real pauses and timeouts, driven
deterministically. `wall()` is `time.time()` moved along (for code that reads the wall clock, e.g. the throttler)."""
import asyncio
import time


class LoopClock:
    def __init__(self):
        self.loop = asyncio.get_running_loop()
        self._real = self.loop.time
        self._wall_start = time.time() - self._real()
        self.offset = 0.0
        self.loop.time = self.time  # the loop reads its clock through this attribute (timers, sleeps, timeouts)

    def time(self) -> float:
        return self._real() + self.offset

    def wall(self) -> float:
        return self._wall_start + self.time()

    async def advance(self, seconds: float, step: float = 0.05):
        """Moves the clock `seconds` forward in small steps, letting what each step wakes run before the next."""
        end = self.offset + seconds
        while self.offset < end:
            self.offset = min(end, self.offset + step)
            for _ in range(5):
                await asyncio.sleep(0)

    def close(self):
        del self.loop.time
