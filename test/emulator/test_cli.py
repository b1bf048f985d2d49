"""The command line: prints its URLs, serves, creates the given accounts, stops on SIGTERM."""
import json
import os
import signal
import subprocess
import sys
import unittest
import urllib.request

from backpack_emulator.cli import parse_account

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class CliTest(unittest.TestCase):
    def test_parse_account(self):
        self.assertEqual(("k+/=", {"USDC": "10000", "SOL": "1.5"}), parse_account("k+/=:USDC=10000,SOL=1.5"))
        with self.assertRaises(Exception):
            parse_account("key:USDC=abc")

    def test_help_documents_every_flag(self):
        out = subprocess.run([sys.executable, "-m", "backpack_emulator", "--help"], cwd=ROOT, capture_output=True,
                             text=True, timeout=30).stdout
        for flag in ("--host", "--port", "--account", "--seed", "--no-market-data", "--speed", "--funding-interval",
                     "--extra-markets"):
            self.assertIn(flag, out)

    def test_start_serve_and_stop(self):
        process = subprocess.Popen(
            [sys.executable, "-m", "backpack_emulator", "--host", "127.0.0.1", "--port", "0",
             "--account", "a2V5:USDC=10,SOL=2", "--seed", "3", "--no-market-data", "--extra-markets", "2"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            rest = process.stdout.readline().strip()
            ws = process.stdout.readline().strip()
            self.assertRegex(rest, r"^REST_URL=http://127\.0\.0\.1:\d+/$")
            self.assertRegex(ws, r"^WS_URL=ws://127\.0\.0\.1:\d+/ws$")
            base = rest.split("=", 1)[1]
            with urllib.request.urlopen(base + "api/v1/ping", timeout=5) as response:
                self.assertEqual(b"pong", response.read())
            with urllib.request.urlopen(base + "api/v1/markets", timeout=5) as response:
                symbols = [m["symbol"] for m in json.loads(response.read())]
            self.assertEqual(["SOL_USDC", "BTC_USDC", "SOL_USDC_PERP", "BTC_USDC_PERP", "SYN000_USDC",
                              "SYN000_USDC_PERP", "SYN001_USDC", "SYN001_USDC_PERP"], symbols)
            with urllib.request.urlopen(base + "_admin/state?apiKey=a2V5", timeout=5) as response:
                self.assertIn(b'"available":"10"', response.read())
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=10)
            process.stdout.close()
            process.stderr.close()
        self.assertEqual(0, code)
