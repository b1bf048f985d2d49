import unittest

from hummingbot.data_feed.candles_feed.backpack_spot_candles.kline_parsing import (
    fill_empty_buckets,
    kline_time_to_seconds,
    rest_klines_to_candles,
    ws_kline_to_candle,
)

START_S = 1757604780  # 2025-09-11 15:33:00 UTC


def rest_row(start: str, close: str = "181.5", open_: str = "180") -> dict:
    return {"start": start, "end": "ignored", "open": open_, "high": "182.25", "low": "179.75",
            "close": close, "volume": "12.5", "quoteVolume": "2262.5", "trades": "7"}


class KlineTimeTests(unittest.TestCase):
    def test_rest_format_with_space_is_utc(self):
        self.assertEqual(START_S, kline_time_to_seconds("2025-09-11 15:33:00"))

    def test_ws_iso_format_is_utc(self):
        self.assertEqual(START_S, kline_time_to_seconds("2025-09-11T15:33:00"))

    def test_explicit_utc_suffix_and_offset(self):
        self.assertEqual(START_S, kline_time_to_seconds("2025-09-11T15:33:00Z"))
        self.assertEqual(START_S, kline_time_to_seconds("2025-09-11T17:33:00+02:00"))

    def test_epoch_numbers_in_any_unit(self):
        for value in (START_S, str(START_S), START_S * 1000, START_S * 1_000_000):
            self.assertEqual(START_S, kline_time_to_seconds(value), value)

    def test_garbage_is_a_clear_error(self):
        for value in ("yesterday", None, True, "12"):
            with self.assertRaises(ValueError):
                kline_time_to_seconds(value)


class RestKlinesTests(unittest.TestCase):
    def test_row_becomes_hummingbot_candle(self):
        candles = rest_klines_to_candles([rest_row("2025-09-11 15:33:00")])
        self.assertEqual([[START_S, 180.0, 182.25, 179.75, 181.5, 12.5, 2262.5, 7.0, 0.0, 0.0]], candles)

    def test_empty_buckets_are_skipped_and_rows_sorted_oldest_first(self):
        empty = {"start": "2025-09-11 15:35:00", "open": None, "high": None, "low": None, "close": None,
                 "volume": "0", "quoteVolume": "0", "trades": "0"}
        rows = [rest_row("2025-09-11 15:34:00"), empty, rest_row("2025-09-11 15:33:00")]
        self.assertEqual([START_S, START_S + 60], [c[0] for c in rest_klines_to_candles(rows)])

    def test_error_body_is_rejected(self):
        with self.assertRaises(ValueError):
            rest_klines_to_candles({"code": "INVALID_SYMBOL", "message": "bad"})

    def test_bad_number_is_rejected(self):
        with self.assertRaises(ValueError):
            rest_klines_to_candles([rest_row("2025-09-11 15:33:00", close="abc")])


class WsKlineTests(unittest.TestCase):
    EVENT = {"e": "kline", "E": 1757604790000000, "s": "SOL_USDC", "t": "2025-09-11T15:33:00",
             "T": "2025-09-11T15:34:00", "o": "180", "c": "181.5", "h": "182.25", "l": "179.75",
             "v": "2", "n": 3, "X": False}

    def test_enveloped_event_becomes_candle_dict(self):
        candle = ws_kline_to_candle({"stream": "kline.1m.SOL_USDC", "data": self.EVENT})
        self.assertEqual(START_S, candle["timestamp"])
        self.assertEqual((180.0, 182.25, 179.75, 181.5), (candle["open"], candle["high"], candle["low"],
                                                          candle["close"]))
        self.assertEqual(2.0, candle["volume"])
        self.assertEqual(363.0, candle["quote_asset_volume"])  # no quote volume on WS: volume * close
        self.assertEqual(3.0, candle["n_trades"])
        self.assertEqual(0.0, candle["taker_buy_base_volume"])

    def test_bare_event_is_accepted(self):
        self.assertEqual(START_S, ws_kline_to_candle(self.EVENT)["timestamp"])

    def test_other_frames_are_ignored(self):
        self.assertIsNone(ws_kline_to_candle({"result": None, "id": 1}))
        self.assertIsNone(ws_kline_to_candle({"stream": "trade.SOL_USDC", "data": {"e": "trade"}}))
        self.assertIsNone(ws_kline_to_candle({"data": dict(self.EVENT, o=None)}))
        self.assertIsNone(ws_kline_to_candle(None))


class FillEmptyBucketsTests(unittest.TestCase):
    def candle(self, start: float, close: float) -> list:
        return [start, close, close + 1, close - 1, close, 5.0, 50.0, 2.0, 0.0, 0.0]

    def test_gaps_become_flat_candles_at_previous_close(self):
        filled = fill_empty_buckets([self.candle(0, 10.0), self.candle(180, 12.0)], 60)
        self.assertEqual([0, 60, 120, 180], [c[0] for c in filled])
        self.assertEqual([60, 10.0, 10.0, 10.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0], filled[1])
        self.assertEqual(12.0, filled[3][4])

    def test_padding_after_the_last_candle_up_to_until_inclusive(self):
        filled = fill_empty_buckets([self.candle(0, 10.0)], 60, until=120)
        self.assertEqual([0, 60, 120], [c[0] for c in filled])

    def test_nothing_to_fill_from(self):
        self.assertEqual([], fill_empty_buckets([], 60, until=600))
