#!/usr/bin/env bash
# Headless Chromium for the console's browser test (test/integration/console-browser.test.ts):
# Debian's `chromium` package, driven by playwright-core, which downloads no browser of its own.
# Sourced by setup.sh (needs its as_root, sy_say, sy_die and LOGS); setup.sh calls install_chromium.
CHROMIUM_BIN="${SWITCHYARD_CHROMIUM:-/usr/lib/chromium/chromium}"
install_chromium() {
  [ -x "$CHROMIUM_BIN" ] && return
  as_root true || sy_die "the console's browser test needs Debian's chromium: install it (apt-get install chromium) or set SWITCHYARD_CHROMIUM to a Chromium binary"
  sy_say "Chromium not found: installing Debian's chromium (about 155 MB)"
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } \
    >"$LOGS/apt-chromium.log" 2>&1 \
    || sy_die "cannot install chromium (apt-get failed, see $LOGS/apt-chromium.log): install it yourself or set SWITCHYARD_CHROMIUM to a Chromium binary"
  [ -x "$CHROMIUM_BIN" ] || sy_die "chromium installed but $CHROMIUM_BIN is missing: set SWITCHYARD_CHROMIUM to the Chromium binary"
}
