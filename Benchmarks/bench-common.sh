# Shared by the end-to-end benchmark scripts (sourced from the repository root).

# The carriers' sandbox credentials, copied into the directory relaisd reads them from.
sandbox_credentials() {  # sandbox_credentials DIR
  mkdir -p "$1"
  for c in carriers/*/; do
    local id
    id=$(basename "$c")
    [ -f "$c/sandbox/credentials" ] && cp "$c/sandbox/credentials" "$1/$id"
  done
  return 0
}

# relais-sandbox in a process of its own on PORT, the carriers' credentials copied into
# ROOT/credentials; its pid joins the caller's `pids`, which its EXIT trap kills. Further
# arguments go to relais-sandbox (`--oms-secrets FILE`: it plays the shop's OMS too).
start_sandbox() {  # start_sandbox BIN ROOT PORT [ARGUMENT…]
  sandbox_credentials "$2/credentials"
  "$1/relais-sandbox" --carriers carriers --port "$3" "${@:4}" >"$2/sandbox.log" 2>&1 &
  pids+=($!)
  sleep 1
}

# COUNT orders as NDJSON, ids PREFIX-0…, to Paris, Marseille and Bordeaux from lyon-dc.
orders() {  # orders COUNT PREFIX
  python3 - "$1" "$2" <<'PY'
import json, sys
n, prefix = int(sys.argv[1]), sys.argv[2]
cities = [("75011", "Paris", 48.853, 2.372), ("13001", "Marseille", 43.296, 5.381), ("33000", "Bordeaux", 44.837, -0.579)]
for i in range(n):
    pc, city, lat, lon = cities[i % 3]
    print(json.dumps({"id": f"{prefix}-{i}", "site": "lyon-dc", "ready_at": "2026-11-23T10:15:00+01:00",
        "service_level": "standard", "delivery_mode": "home",
        "recipient": {"name": f"Client {prefix} {i}", "street": [f"{i} rue de la Paix"], "postcode": pc, "city": city,
                      "country": "FR", "lat": lat, "lon": lon},
        "parcels": [{"weight_kg": 1 + i % 5, "length_cm": 30, "width_cm": 20, "height_cm": 10}]}))
PY
}
