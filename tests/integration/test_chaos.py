"""Chaos (issue 9, proof): rounds of 20 concurrent `run -d` and `run --rm` with a kill -9 of
wharfd at a random moment. After each restart every record must match reality; at the end
every container can be removed and nothing is left: no mount, cgroup, shim or directory.
Bounded: 4 rounds, each a few seconds (about 30 s in all)."""

import concurrent.futures
import random
import sys
import time
import unittest

from harness import Daemon, random_name, require_root
import lifecycle_check as lc

ROUNDS = 4
PER_ROUND = 20


@require_root
class ChaosTest(unittest.TestCase):
    def test_kill9_during_concurrent_runs(self):
        d = Daemon()
        rng = random.Random()
        seed = rng.randrange(1 << 30)
        rng.seed(seed)
        seen = set()
        try:
            d.start()
            d.bootstrap_busybox()
            prefix = random_name("ch")
            for rnd in range(ROUNDS):
                with concurrent.futures.ThreadPoolExecutor(max_workers=PER_ROUND) as ex:
                    futs = []
                    for i in range(PER_ROUND):
                        name = f"{prefix}-{rnd}-{i}"
                        if i % 2:
                            args = ("run", "--rm", "--pull", "never", "--name", name,
                                    "busybox", "true")
                        else:
                            args = ("run", "-d", "--pull", "never", "--name", name,
                                    "busybox", "sleep", "300")
                        futs.append(ex.submit(d.wharf, *args, timeout=60))
                    # A random moment of the burst: from before the first create to after
                    # most starts.
                    time.sleep(rng.uniform(0.1, 3.0))
                    lc.kill_daemon(d)
                    for f in futs:
                        f.result()
                d.start()
                problems = lc.inconsistencies(d)
                states = [c["State"]["Status"] for c in lc.inspect_all(d, lc.all_ids(d))]
                print(f"chaos round {rnd} (seed {seed}): " + ", ".join(
                    f"{states.count(s)} {s}" for s in sorted(set(states))), file=sys.stderr)
                self.assertEqual(problems, [], f"round {rnd} (seed {seed})\n{d.log()}")
                seen.update(lc.all_ids(d))
            ids = lc.all_ids(d)
            seen.update(ids)
            if ids:
                r = d.wharf("rm", "-f", *ids, timeout=120)
                self.assertEqual(r.code, 0, f"{r} (seed {seed})\n{d.log()}")
            self.assertEqual(lc.all_ids(d), [])
            self.assertEqual(lc.leftovers(d, seen), [], f"seed {seed}\n{d.log()}")
        finally:
            d.stop()


if __name__ == "__main__":
    unittest.main()
