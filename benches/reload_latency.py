"""Time from saving a script to the first packet its new version handles, while packets flow.

    python3 benches/reload_latency.py HARK CAPTURE [SAVES]

hark reads CAPTURE's packets from a pipe, over and over, so packets never stop. Each save
writes a new version of the script (by rename and in place, in turn); the new version raises
one alert, naming its save, on the first packet it handles. Alerts go to a FIFO through
`--alerts`, which hark writes one flushed line at a time, so the time the alert is read is
the time that packet was handled (give or take the pipe). Prints the median, 90th
percentile and worst over SAVES saves (default 100).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

SCRIPT = """const FILTER = "tcp";
fn on_start() {{ this.fresh = true; this.n = 0; }}
fn on_reload() {{ this.fresh = true; }}
fn on_packet(pkt) {{
    this.n += 1;
    if this.fresh {{ this.fresh = false; alert("version", #{{ save: {save} }}); }}
}}
"""


def records(path):
    """The capture's header and its records, as bytes."""
    data = open(path, "rb").read()
    return data[:24], data[24:]


def feed(stdin, header, body, stop):
    """Writes the capture's records to hark until told to stop."""
    try:
        stdin.write(header)
        while not stop.is_set():
            stdin.write(body)
    except (BrokenPipeError, ValueError):
        pass


def main():
    hark, capture = sys.argv[1], sys.argv[2]
    saves = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    header, body = records(capture)
    work = tempfile.mkdtemp()
    script = os.path.join(work, "version.rhai")
    fifo = os.path.join(work, "alerts.fifo")
    os.mkfifo(fifo)
    with open(script, "w") as f:
        f.write(SCRIPT.format(save=0))
    proc = subprocess.Popen(
        [hark, "-r", "-", "-q", "-s", script, "--alerts", fifo],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stop = threading.Event()
    feeder = threading.Thread(target=feed, args=(proc.stdin, header, body, stop), daemon=True)
    feeder.start()
    alerts = open(fifo, "r")

    def wait_for(save):
        for line in alerts:
            if json.loads(line)["alert"]["metadata"]["save"] == save:
                return
        raise SystemExit("hark ended before save %d went live" % save)

    wait_for(0)
    latencies = []
    for save in range(1, saves + 1):
        time.sleep(0.15)  # packets flow between saves, as when a person edits
        text = SCRIPT.format(save=save)
        start = time.perf_counter()
        if save % 2:
            with open(script + ".tmp", "w") as f:
                f.write(text)
            os.rename(script + ".tmp", script)
        else:
            with open(script, "w") as f:
                f.write(text)
        wait_for(save)
        latencies.append((time.perf_counter() - start) * 1000)
    stop.set()
    proc.kill()
    proc.wait()
    latencies.sort()
    p90 = latencies[int(len(latencies) * 0.9) - 1]
    print(
        "save to first packet of the new version, %d saves: median %.1f ms, 90th %.1f ms, worst %.1f ms"
        % (saves, statistics.median(latencies), p90, latencies[-1])
    )


if __name__ == "__main__":
    main()
