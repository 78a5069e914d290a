#!/usr/bin/env bash
# Hardware-in-the-loop check for meshgate's Bluetooth LE links, run on a real Pi
# (docs/ble.md). Needs root (or CAP_NET_RAW + CAP_NET_ADMIN) and a built tree (npm ci).
#
#   sudo scripts/hil-ble.sh            # peripheral on hci0; central on hci1 if present
#   PERIPHERAL_HCI=0 CENTRAL_HCI=1 sudo -E scripts/hil-ble.sh
#
# Checks: 1. the peripheral's controller exists and powers on; 2. bluetoothd is not
# holding it; 3. meshgate's peripheral reaches poweredOn and advertises; 4. with a second
# controller: a second meshgate's central sees the advertisement (scan-response peer ID),
# connects, and the two exchange announces over BLE (each binds the other's peer ID to its
# BLE link). Prints PASS/FAIL per check; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
P_HCI="${PERIPHERAL_HCI:-0}"
C_HCI="${CENTRAL_HCI:-1}"
CLI="node dist/src/cli/main.js"
FAILS=0
pass() { echo "PASS  $*"; }
fail() { echo "FAIL  $*"; FAILS=$((FAILS + 1)); }
info() { echo "      $*"; }
json() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{try{const o=JSON.parse(s);console.log(String(($1)??''))}catch{console.log('')}})"; }

[ -f dist/src/cli/main.js ] || { echo "build first: npm ci (runs tsc)"; exit 2; }

# 1. controller present and powered
if [ -e "/sys/class/bluetooth/hci${P_HCI}" ]; then pass "controller hci${P_HCI} present"; else fail "no /sys/class/bluetooth/hci${P_HCI} (rfkill list; dmesg | grep -i blue)"; fi
if command -v rfkill >/dev/null; then rfkill unblock bluetooth 2>/dev/null || true; fi
if command -v btmgmt >/dev/null; then
  btmgmt --index "$P_HCI" le on >/dev/null 2>&1 || true
  if btmgmt --index "$P_HCI" power on 2>&1 | grep -qi "powered\|already"; then pass "hci${P_HCI} powered (btmgmt)"; else info "btmgmt power on gave no confirmation; continuing"; fi
else
  info "btmgmt not installed (apt install bluez); skipping power-on"
fi

# 2. bluetoothd must not own the peripheral's controller
if systemctl is-active --quiet bluetooth 2>/dev/null; then
  fail "bluetooth.service is running: stop it or install scripts/systemd/meshgate-ble.conf (Conflicts=bluetooth.service)"
else
  pass "bluetoothd not running"
fi

TMP="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

start_gw() { # name http-port extra-args... ; prints the peer ID
  local name="$1" port="$2"; shift 2
  $CLI start --state-dir "$TMP/$name" --nickname "hil-$name" --http-host 127.0.0.1 --http-port "$port" \
    --lan-enabled false --gateway-enabled false --clock-source synced "$@" >"$TMP/$name.log" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 1 100); do
    local id; id="$(grep -m1 '"event":"ready"' "$TMP/$name.log" 2>/dev/null | json 'o.peerId')"
    [ -n "$id" ] && { echo "$id"; return 0; }
    sleep 0.1
  done
  return 1
}
status() { curl -fsS "http://127.0.0.1:$1/api/status" 2>/dev/null; }
wait_for() { # port js-expression seconds
  for _ in $(seq 1 $(( $3 * 5 ))); do
    [ "$(status "$1" | json "$2")" = "true" ] && return 0
    sleep 0.2
  done
  return 1
}

# 3. peripheral powers on and advertises
A_ID="$(start_gw a 18901 --ble-peripheral-enabled true --ble-peripheral-hci-index "$P_HCI")" || { fail "meshgate (peripheral) did not start; see below"; cat "$TMP/a.log"; exit 1; }
info "gateway A (peripheral, hci${P_HCI}) peer ID $A_ID"
if wait_for 18901 "o.modules.ble.peripheral.state==='poweredOn'" 15; then pass "peripheral radio poweredOn"; else fail "peripheral radio state: $(status 18901 | json 'o.modules.ble.peripheral.state') (unauthorized = capabilities; unsupported = controller)"; fi
if wait_for 18901 "o.modules.ble.peripheral.advertising===true" 10; then pass "peripheral advertising"; else fail "peripheral not advertising: $(status 18901 | json 'JSON.stringify(o.modules.ble.peripheral.lastError)')"; fi

# 4. loopback through a second controller
if [ -e "/sys/class/bluetooth/hci${C_HCI}" ]; then
  command -v btmgmt >/dev/null && { btmgmt --index "$C_HCI" le on >/dev/null 2>&1; btmgmt --index "$C_HCI" power on >/dev/null 2>&1; }
  B_ID="$(start_gw b 18902 --ble-central-enabled true --ble-central-hci-index "$C_HCI" --ble-central-rssi-floor-dbm -100)" || { fail "meshgate (central) did not start"; cat "$TMP/b.log"; exit 1; }
  info "gateway B (central, hci${C_HCI}) peer ID $B_ID"
  if wait_for 18902 "o.modules.ble.central.state==='poweredOn'" 15; then pass "central radio poweredOn"; else fail "central radio state: $(status 18902 | json 'o.modules.ble.central.state')"; fi
  if wait_for 18902 "o.modules.ble.central.links.some(l=>l.advertisedPeerId==='$A_ID')" 30; then pass "advertisement visible: B connected to A by its scan-response peer ID"; else fail "B did not connect to A: $(status 18902 | json 'JSON.stringify(o.modules.ble.central.lastError)')"; fi
  if wait_for 18901 "o.modules.ble.peripheral.links.some(l=>l.peerId==='$B_ID')" 45 && wait_for 18902 "o.modules.ble.central.links.some(l=>l.peerId==='$A_ID')" 45; then
    pass "loopback exchange: announces crossed BLE both ways (links bound to each other's peer ID)"
    info "A link: $(status 18901 | json 'JSON.stringify(o.modules.ble.peripheral.links[0])')"
  else
    fail "no announce exchange over BLE within 45 s"
  fi
else
  info "no hci${C_HCI}: skipping the loopback exchange (plug in a second controller, e.g. a USB dongle)"
fi

echo
[ "$FAILS" -eq 0 ] && { echo "hil-ble: all checks passed"; exit 0; }
echo "hil-ble: $FAILS check(s) failed; logs:"; tail -n 20 "$TMP"/*.log
exit 1
