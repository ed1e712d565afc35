"""Drive a real headless Chromium from tests, with nothing but the stdlib.

Why chromedriver over plain HTTP: the W3C WebDriver API is JSON over HTTP, so urllib is
enough (no selenium/playwright wheels, no websocket library), and chromedriver also
exposes the browser console (`goog:loggingPrefs`) and raw DevTools commands
(`goog/cdp/execute`) for full-page screenshots and dark-mode emulation.

Install on Debian: `apt-get install -y chromium chromium-driver`.
`ANNOTATE_CHROMIUM` / `ANNOTATE_CHROMEDRIVER` override where the binaries are looked for.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

APT_LINE = "apt-get update && apt-get install -y chromium chromium-driver"

# Flags that keep a test browser quiet, offline-friendly and reproducible.
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)


class BrowserUnavailable(RuntimeError):
    """Chromium or chromedriver is not installed (the caller decides: skip or fail)."""


class WebDriverError(RuntimeError):
    """chromedriver answered a command with an error."""


def _first_executable(*candidates: str | None) -> str | None:
    return next((p for p in candidates if p and os.path.isfile(p) and os.access(p, os.X_OK)), None)


def find_binaries() -> tuple[str, str]:
    """Return (chromium, chromedriver) paths, or raise BrowserUnavailable saying how to fix it."""
    override = os.environ.get("ANNOTATE_CHROMIUM")
    chromium = (
        _first_executable(override)
        if override
        else _first_executable(
            "/usr/lib/chromium/chromium",  # Debian's real binary (skips the sh wrapper)
            shutil.which("chromium"),
            shutil.which("chromium-browser"),
            shutil.which("google-chrome"),
        )
    )
    override = os.environ.get("ANNOTATE_CHROMEDRIVER")
    driver = _first_executable(override or shutil.which("chromedriver"))
    missing = [
        name for name, path in (("chromium", chromium), ("chromedriver", driver)) if not path
    ]
    if missing:
        raise BrowserUnavailable(f"{' and '.join(missing)} not found; install with: {APT_LINE}")
    assert chromium and driver
    return chromium, driver


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One chromedriver process and one headless Chromium session; use as a context manager."""

    def __init__(self, *, width: int = 1280, height: int = 900, timeout: float = 30.0) -> None:
        self.width, self.height, self.timeout = width, height, timeout
        self._driver: subprocess.Popen[bytes] | None = None
        self._profile: str | None = None
        self._base = ""
        self._session = ""

    # --- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> Browser:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start chromedriver on a free loopback port and open a session with a fresh profile."""
        chromium, driver = find_binaries()
        port = _free_port()
        self._base = f"http://127.0.0.1:{port}"
        self._driver = subprocess.Popen(
            [driver, f"--port={port}", "--allowed-ips=127.0.0.1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            self._wait_ready()
            self._profile = tempfile.mkdtemp(prefix="annotate-chromium-")
            args = [
                *CHROMIUM_FLAGS,
                f"--user-data-dir={self._profile}",
                f"--window-size={self.width},{self.height}",
            ]
            caps = {
                "capabilities": {
                    "alwaysMatch": {
                        "browserName": "chrome",
                        "goog:chromeOptions": {"binary": chromium, "args": args},
                        "goog:loggingPrefs": {"browser": "ALL"},
                    }
                }
            }
            value = self._call("POST", "/session", caps, session=False)
            self._session = value["sessionId"]
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """End the session and the chromedriver process we started; remove the profile."""
        if self._session:
            with contextlib.suppress(OSError, WebDriverError):
                self._call("DELETE", "", None)
            self._session = ""
        if self._driver is not None:
            self._driver.terminate()
            try:
                self._driver.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._driver.kill()
                self._driver.wait()
            self._driver = None
        if self._profile:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._driver is not None and self._driver.poll() is not None:
                raise BrowserUnavailable("chromedriver exited at start")
            try:
                if self._call("GET", "/status", None, session=False).get("ready"):
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise BrowserUnavailable("chromedriver did not become ready")

    # --- wire ------------------------------------------------------------------------
    def _call(self, method: str, path: str, body: Any, *, session: bool = True) -> Any:
        url = self._base + (f"/session/{self._session}" if session else "") + path
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Content-Type", "application/json; charset=utf-8")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                payload = json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            try:
                err = json.loads(e.read()).get("value", {})
            except ValueError:
                err = {}
            raise WebDriverError(
                f"{method} {path}: {err.get('error')}: {err.get('message')}"
            ) from e
        return payload.get("value")

    # --- commands --------------------------------------------------------------------
    def open(self, target: str | Path) -> None:
        """Navigate to a URL or a local file, and wait for the document to finish loading."""
        url = Path(target).resolve().as_uri() if isinstance(target, Path) else target
        self._call("POST", "/url", {"url": url})

    def js(self, script: str, *args: Any) -> Any:
        """Run a function body in the page (`return ...`) and give back its JSON result."""
        return self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def cdp(self, cmd: str, params: dict[str, Any] | None = None) -> Any:
        """Send one raw DevTools command through chromedriver."""
        return self._call("POST", "/goog/cdp/execute", {"cmd": cmd, "params": params or {}})

    def set_viewport(self, width: int, height: int | None = None) -> None:
        """Emulate a viewport size (mobile checks) without resizing the window."""
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": width,
                "height": height or self.height,
                "deviceScaleFactor": 1,
                "mobile": False,
            },
        )

    def color_scheme(self, scheme: str) -> None:
        """Emulate `prefers-color-scheme` ('light' or 'dark')."""
        self.cdp(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
        )

    def screenshot(self, path: str | Path, *, full_page: bool = True) -> Path:
        """Save a PNG of the page (the whole scrollable page by default)."""
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": full_page}
        if full_page:
            w, h = self.js(
                "const e = document.documentElement;"
                "return [Math.max(e.scrollWidth, innerWidth), Math.max(e.scrollHeight, 1)];"
            )
            params["clip"] = {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}
        data = self.cdp("Page.captureScreenshot", params)["data"]
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(base64.b64decode(data))
        return out

    def console(self) -> list[dict[str, Any]]:
        """Browser console entries since the last call (level, message, source)."""
        return list(self._call("POST", "/se/log", {"type": "browser"}) or [])


def browser_or_skip() -> Iterator[Browser]:
    """A Browser for a fixture: fails in CI when Chromium is missing, skips elsewhere.

    CI installs Chromium (.ci/run), so there a missing browser is a broken set-up,
    never a reason to skip the report's browser tests silently.
    """
    import pytest

    try:
        find_binaries()
    except BrowserUnavailable as e:
        if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
            pytest.fail(f"headless Chromium is required in CI: {e}", pytrace=False)
        pytest.skip(str(e))
    with Browser(width=1280, height=900) as b:
        yield b
