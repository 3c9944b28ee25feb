"""kill -9 of parleyd during a burst of concurrent acts: after a restart every
acknowledged act is there and every log still verifies."""

import json
import os
import signal
import subprocess
import threading
import time

from harness import ParleyTest, Server, PARLEY


class DurabilityTest(ParleyTest):
    def test_acknowledged_acts_survive_kill_9(self):
        meetings = [self.opening()["id"] for _ in range(4)]
        acked = {m: {} for m in meetings}  # meeting -> {seq: duration value}
        stop = threading.Event()
        lock = threading.Lock()

        def burst(who, meeting, first_value):
            value = first_value
            while not stop.is_set():
                value = value + 1 if value < 700 else 10
                p = subprocess.run([PARLEY, "--config-dir", self.cfg, "--profile", who, "--json",
                                    "propose", meeting, "--duration", str(value)],
                                   capture_output=True, text=True, timeout=60)
                if p.returncode == 0:
                    state = json.loads(p.stdout)
                    with lock:
                        acked[meeting][state["length"]] = value

        threads = []
        for i, m in enumerate(meetings):
            for j, who in enumerate(("east-neg", "west-neg")):
                t = threading.Thread(target=burst, args=(who, m, 10 + 100 * j + i))
                t.start()
                threads.append(t)
        time.sleep(4)
        self.server.proc.send_signal(signal.SIGKILL)
        self.server.proc.wait()
        stop.set()
        for t in threads:
            t.join()
        total = sum(len(v) for v in acked.values())
        self.assertGreater(total, 10, "the burst did not get going")

        self.server.start(port=self.server.port)
        for m in meetings:
            path = os.path.join(self.server.tmp, m + ".json")
            self.east.run("export", m, "-o", path)
            self.assertTrue(self.east.run("verify", path, json_out=True)["verified"])
            with open(path) as f:
                acts = json.load(f)["acts"]
            for seq, value in acked[m].items():
                self.assertLessEqual(seq, len(acts), "acknowledged act %d of %s lost" % (seq, m))
                body = acts[seq - 1]["act"]["body"]
                self.assertEqual((body["param"], body["value"]), ("duration_minutes", value))

    def test_sigterm_is_graceful_and_state_reloads(self):
        mid = self.opening()["id"]
        self.west.run("propose", mid, "--duration", "90")
        # A live subscription open while the server stops must not upset it.
        watcher = subprocess.Popen([PARLEY, "--config-dir", self.cfg, "--profile", "west-lead", "watch", mid,
                                    "--count", "5", "--timeout", "30"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        self.assertEqual(self.server.stop(signal.SIGTERM), 0)
        with open(self.server.log_path) as f:
            log = f.read()
        self.assertIn("event=shutdown signal=15", log)
        self.assertIn("event=exit", log)
        watcher.communicate(timeout=30)
        self.assertEqual(watcher.returncode, 1)  # the server went away
        self.server.start(port=self.server.port)
        m = self.east.run("show", mid, json_out=True)
        self.assertEqual(m["length"], 2)
        self.assertEqual(m["parameters"]["duration_minutes"]["value"], 90)
        # The saved session died with the old process; watch signs in again.
        watcher = subprocess.Popen([PARLEY, "--config-dir", self.cfg, "--profile", "west-lead", "--json", "watch",
                                    mid, "--count", "1", "--timeout", "30"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        self.east.run("accept", mid, "duration_minutes")
        out, err = watcher.communicate(timeout=30)
        self.assertEqual(watcher.returncode, 0, err)
        self.assertEqual(json.loads(out)["seq"], 3)
