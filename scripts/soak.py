#!/usr/bin/env python3
"""Soak test of relaisd (issue 20; not part of CI): relaisd and relais-sandbox, each in a
process of its own, with a fault mix at every carrier, orders dropped in the spool at a steady
rate, kill -9 and SIGHUP of relaisd at intervals; then a calm phase (no kill) where its memory
is sampled, a drain, a graceful stop, and the invariants:

  - nothing lost: every order dropped is recorded, and decided into a shipment;
  - nothing doubled: no reference booked twice at the sandbox's carriers;
  - the record agrees with the carriers: every booked shipment's tracking number was issued
    by its carrier, and every booking the carriers made is a booked shipment;
  - nothing left in doubt: after the drain, no shipment queued or booking, and none uncertain
    at a carrier with a lookup (SPEC §2: those are reconciled by the carrier's reference;
    uncertain ones elsewhere wait for an operator, and are counted);
  - the database passes PRAGMA integrity_check and foreign_key_check;
  - memory flat in the calm phase once warmed up (VmRSS slope under 10 MB/h; RssAnon and
    RssFile reported apart, every sample in memory.csv).

    swift build -c release && scripts/soak.py --bin .build/release --minutes 30

Prints a summary and writes soak-result.json in the run's folder; exits 1 if an invariant fails.
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POSTCODES = [("75011", "Paris", 48.853, 2.372), ("59000", "Lille", 50.633, 3.058),
             ("13001", "Marseille", 43.297, 5.381), ("69003", "Lyon", 45.760, 4.850),
             ("33000", "Bordeaux", 44.837, -0.579), ("67000", "Strasbourg", 48.573, 7.752)]
# The fault mix each sandbox carrier plays (SandboxKnobs): transient and permanent refusals,
# replies that cannot be read after booking, timeouts before and after the carrier acted.
KNOBS = {"latencyMilliseconds": 15, "transientRate": 0.04, "permanentRate": 0.01, "malformedRate": 0.01,
         "timeoutBeforeReadRate": 0.003, "timeoutAfterReadRate": 0.003, "hangMilliseconds": 25000}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url, body=None):
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="GET" if body is None else "POST")
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read() or b"null")


def memory_kib(pid):
    """VmRSS and its parts (RssAnon: the heap, where a leak shows; RssFile: mapped files and
    libraries), in KiB, or None once the process is gone."""
    fields = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                    fields[name] = int(value.split()[0])
    except OSError:
        return None
    return fields if "VmRSS" in fields else None


def slope_mb_per_hour_of(samples, part):
    """Least-squares slope of one part of (seconds, memory) samples, in MB an hour (0 with
    fewer than 3)."""
    points = [(t, m[part]) for t, m in samples if part in m]
    if len(points) < 3:
        return 0.0
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_r = sum(r for _, r in points) / n
    variance = sum((t - mean_t) ** 2 for t, _ in points)
    slope = sum((t - mean_t) * (r - mean_r) for t, r in points) / variance if variance else 0.0
    return slope * 3600 / 1024


def order(number, now):
    postcode, city, lat, lon = POSTCODES[number % len(POSTCODES)]
    ready = now.astimezone().isoformat(timespec="seconds")
    promised = (now + datetime.timedelta(days=4)).date().isoformat()
    return {"id": f"SOAK-{number}", "site": "lyon-dc" if number % 3 else "lille-store", "ready_at": ready,
            "promised_by": promised, "service_level": "standard", "delivery_mode": "relay" if number % 5 == 0 else "home",
            "relay_point": f"RP-{number % 97:04d}" if number % 5 == 0 else None,
            "recipient": {"name": "Soak Test", "street": [f"{number} rue du Test"], "postcode": postcode, "city": city,
                          "country": "FR", "lat": lat, "lon": lon},
            "parcels": [{"weight_kg": 0.5 + (number % 7) * 0.7, "length_cm": 30, "width_cm": 20, "height_cm": 10}],
            "value": {"amount": "49.90", "currency": "EUR"}}


class Daemon:
    def __init__(self, binary, config, log):
        self.binary, self.config, self.log = binary, config, log
        self.process = None
        self.started = 0.0

    def start(self):
        self.ready_before = 0
        if os.path.exists(self.log):
            with open(self.log, "rb") as log:
                self.ready_before = log.read().count(b"ready: policy")
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([self.binary, "--config", self.config], stdout=subprocess.DEVNULL, stderr=log)
        self.started = time.monotonic()

    def ready(self):
        """Whether this run of relaisd logged that it is ready: its signal handlers are then
        installed (systemd sends no SIGHUP before READY=1 either)."""
        with open(self.log, "rb") as log:
            return log.read().count(b"ready: policy") > self.ready_before

    def signal(self, number):
        self.process.send_signal(number)

    def kill(self):
        self.process.kill()
        self.process.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join(REPO, ".build/release"), help="folder of relaisd, relais-sandbox")
    parser.add_argument("--minutes", type=float, default=30, help="the whole run, calm phase included")
    parser.add_argument("--calm-minutes", type=float, default=8, help="the last part, without kill, where memory is sampled")
    parser.add_argument("--warmup-minutes", type=float, default=None,
                        help="the start of the calm phase left out of the memory verdict, while caches fill "
                             "(default: a third of the calm phase)")
    parser.add_argument("--rate", type=int, default=40, help="orders a second")
    parser.add_argument("--kill-every", type=float, default=97, help="seconds between kill -9")
    parser.add_argument("--hup-every", type=float, default=41, help="seconds between SIGHUP")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder")
    args = parser.parse_args()

    run = tempfile.mkdtemp(prefix="relais-soak-")
    state, spool = os.path.join(run, "state"), os.path.join(run, "spool")
    credentials = os.path.join(run, "credentials")
    for folder in (state, os.path.join(spool, "tmp"), os.path.join(spool, "new"), credentials):
        os.makedirs(folder, exist_ok=True)
    for carrier in os.listdir(os.path.join(REPO, "carriers")):
        source = os.path.join(REPO, "carriers", carrier, "sandbox", "credentials")
        if os.path.exists(source):
            shutil.copy(source, os.path.join(credentials, carrier))
    # Copies of the carriers and policies: the run is not disturbed by edits to the checkout.
    carriers_dir, policies_dir = os.path.join(run, "carriers"), os.path.join(run, "policies")
    shutil.copytree(os.path.join(REPO, "carriers"), carriers_dir)
    shutil.copytree(os.path.join(REPO, "policies"), policies_dir)
    port = free_port()
    config = os.path.join(run, "relais.toml")
    with open(config, "w") as file:
        file.write(f"""[paths]
state = "{state}"
spool = "{spool}"
carriers = "{carriers_dir}"
policies = "{policies_dir}"
socket = "{os.path.join(run, 'relais.sock')}"

[booking]
credentials = "{credentials}"
sandbox_url = "http://127.0.0.1:{port}"
min_backoff = "1s"
max_backoff = "10s"

[[site]]
id = "lyon-dc"
country = "FR"
postcode = "69007"
lat = 45.7323
lon = 4.8283

[[site]]
id = "lille-store"
country = "FR"
postcode = "59800"
lat = 50.6366
lon = 3.0635
""")
    sandbox_log = open(os.path.join(run, "sandbox.log"), "wb")
    sandbox = subprocess.Popen([os.path.join(args.bin, "relais-sandbox"), "--carriers", carriers_dir,
                                "--port", str(port)], stdout=sandbox_log, stderr=sandbox_log)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            http(f"{base}/_sandbox/ledger")
            break
        except OSError:
            time.sleep(0.1)
    carriers = sorted(os.listdir(carriers_dir))
    with_lookup = []
    for carrier in carriers:
        with open(os.path.join(carriers_dir, carrier, "carrier.toml")) as definition:
            if "[api.lookup]" in definition.read():
                with_lookup.append(carrier)
    awaiting = "state = 'uncertain' AND carrier IN (%s)" % ",".join(f"'{c}'" for c in with_lookup) if with_lookup else "0"
    for carrier in carriers:
        http(f"{base}/_sandbox/knobs/{carrier}", KNOBS)

    daemon = Daemon(os.path.join(args.bin, "relaisd"), config, os.path.join(run, "relaisd.log"))
    daemon.start()
    print(f"soak: {run}: {args.minutes} min, {args.rate} orders/s, kill -9 every {args.kill_every}s "
          f"(not in the last {args.calm_minutes} min), SIGHUP every {args.hup_every}s", flush=True)

    start = time.monotonic()
    end = start + args.minutes * 60
    calm_from = end - args.calm_minutes * 60
    next_kill, next_hup, next_sample = start + args.kill_every, start + args.hup_every, start + 10
    dropped, kills, hups, samples = 0, 0, 0, []
    while time.monotonic() < end:
        tick = time.monotonic()
        now = datetime.datetime.now(datetime.timezone.utc)
        name = f"soak-{dropped:09d}.ndjson"
        lines = [json.dumps(order(dropped + i, now)) for i in range(args.rate)]
        with open(os.path.join(spool, "tmp", name), "w") as file:
            file.write("\n".join(lines) + "\n")
        os.rename(os.path.join(spool, "tmp", name), os.path.join(spool, "new", name))
        dropped += args.rate
        if daemon.process.poll() is not None:
            print(f"soak: relaisd exited by itself with status {daemon.process.returncode}; see {daemon.log}", flush=True)
            return finish(run, args, False, {"error": "relaisd exited by itself"})
        if tick >= next_kill and tick < calm_from:
            daemon.kill()
            daemon.start()
            kills += 1
            next_kill = tick + args.kill_every
        if tick >= next_hup and daemon.ready():
            daemon.signal(signal.SIGHUP)
            hups += 1
            next_hup = tick + args.hup_every
        if tick >= next_sample:
            memory = memory_kib(daemon.process.pid)
            if memory is not None and tick >= calm_from + 60:
                samples.append((tick - start, memory))
            next_sample = tick + 10
        time.sleep(max(0, 1 - (time.monotonic() - tick)))

    # Drain: every file taken, every shipment settled (uncertain ones reconciled by lookup).
    database = os.path.join(state, "relais.sqlite")
    deadline = time.monotonic() + 600
    open_states = None
    while time.monotonic() < deadline:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as db:
            open_states = dict(db.execute(
                f"SELECT state, COUNT(*) FROM shipments WHERE state IN ('queued','booking') OR ({awaiting}) GROUP BY state").fetchall())
            undecided = db.execute("SELECT COUNT(*) FROM orders WHERE shipment_id IS NULL").fetchone()[0]
        if not os.listdir(os.path.join(spool, "new")) and not open_states and undecided == 0:
            break
        time.sleep(2)
    daemon.signal(signal.SIGTERM)
    status = daemon.process.wait(timeout=120)

    ledger = http(f"{base}/_sandbox/ledger")
    sandbox.terminate()
    sandbox.wait(timeout=30)

    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        recorded = {row[0] for row in db.execute("SELECT id FROM orders")}
        undecided = db.execute("SELECT COUNT(*) FROM orders WHERE shipment_id IS NULL").fetchone()[0]
        states = dict(db.execute("SELECT state, COUNT(*) FROM shipments GROUP BY state").fetchall())
        # (carrier, tracking number, id) of every booked shipment: a list, not a map keyed by
        # the number, so that two shipments given one number are both seen.
        booked = [(row[0], row[1], row[2]) for row in db.execute(
            "SELECT carrier, tracking_number, id FROM shipments WHERE state = 'booked'")]
        uncertain = dict(db.execute("SELECT carrier, COUNT(*) FROM shipments WHERE state = 'uncertain' GROUP BY carrier").fetchall())
        uncertain_ids = {row[0] for row in db.execute("SELECT id FROM shipments WHERE state = 'uncertain'")}
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        foreign = db.execute("PRAGMA foreign_key_check").fetchall()
    lost = [f"SOAK-{n}" for n in range(dropped) if f"SOAK-{n}" not in recorded]
    references = {}
    for entry in ledger:
        references[entry["reference"]] = references.get(entry["reference"], 0) + 1
    doubled = {reference: count for reference, count in references.items() if count > 1}
    issued = {(entry["carrier"], entry["trackingNumber"]) for entry in ledger}
    not_issued = [shipment for carrier, number, shipment in booked if (carrier, number) not in issued]
    booked_ids = {shipment for _, _, shipment in booked}
    numbers = {}
    for carrier, number, shipment in booked:
        numbers.setdefault((carrier, number), []).append(shipment)
    shared_numbers = {f"{carrier} {number}": ids for (carrier, number), ids in numbers.items() if len(ids) > 1}
    # A booking the carrier made is a booked shipment, or one uncertain awaiting an operator.
    unrecorded = sorted({entry["reference"] for entry in ledger} - booked_ids - uncertain_ids)
    # Memory: the verdict is the slope of VmRSS after the warm-up (the page caches and
    # statement caches fill as the database grows); RssAnon and RssFile are shown apart, and
    # every sample is kept in memory.csv.
    warmup = (args.warmup_minutes if args.warmup_minutes is not None else args.calm_minutes / 3) * 60
    settled = [(t, m) for t, m in samples if t >= (calm_from - start) + warmup]
    slope_mb_per_hour = slope_mb_per_hour_of(settled, "VmRSS")
    with open(os.path.join(run, "memory.csv"), "w") as file:
        file.write("seconds,vm_rss_kib,rss_anon_kib,rss_file_kib,rss_shmem_kib\n")
        for t, m in samples:
            file.write(f"{t:.0f},{m['VmRSS']},{m.get('RssAnon', '')},{m.get('RssFile', '')},{m.get('RssShmem', '')}\n")

    result = {
        "minutes": args.minutes, "rate_per_s": args.rate, "orders_dropped": dropped, "kills": kills, "hups": hups,
        "exit_status": status, "states": states, "lost": len(lost), "undecided": undecided, "doubled": len(doubled),
        "booked_not_issued": len(not_issued), "carrier_bookings_not_booked": len(unrecorded),
        "tracking_numbers_shared": shared_numbers,
        "left_open": open_states or {}, "uncertain_awaiting_operator": uncertain, "integrity_check": integrity, "foreign_key_violations": len(foreign),
        "memory_samples": len(samples), "memory_settled_samples": len(settled), "warmup_minutes": round(warmup / 60, 1),
        "rss_slope_mb_per_hour": round(slope_mb_per_hour, 2),
        "rss_anon_slope_mb_per_hour": round(slope_mb_per_hour_of(settled, "RssAnon"), 2),
        "rss_file_slope_mb_per_hour": round(slope_mb_per_hour_of(settled, "RssFile"), 2),
    }
    for part in ("VmRSS", "RssAnon", "RssFile"):
        values = [m[part] for _, m in samples if part in m]
        if values:
            result[f"{part}_calm_first_last_max_mb"] = [round(values[0] / 1024, 1), round(values[-1] / 1024, 1), round(max(values) / 1024, 1)]
    passed = (status == 0 and not lost and undecided == 0 and not doubled and not not_issued and not unrecorded
              and not open_states and integrity == "ok" and not foreign and abs(slope_mb_per_hour) < 10)
    if lost:
        result["lost_examples"] = lost[:10]
    if unrecorded:
        result["carrier_bookings_not_booked_examples"] = unrecorded[:10]
    return finish(run, args, passed, result)


def finish(run, args, passed, result):
    result["passed"] = passed
    with open(os.path.join(run, "soak-result.json"), "w") as file:
        json.dump(result, file, indent=2)
    print(json.dumps(result, indent=2))
    print(f"soak: {'PASSED' if passed else 'FAILED'} ({run}{'' if args.keep or not passed else ', removed'})")
    if passed and not args.keep:
        shutil.rmtree(run, ignore_errors=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
