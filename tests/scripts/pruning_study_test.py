#!/usr/bin/env python3
"""Tests of the pruning study's statistics (scripts/pruning/stats.py) against independent
computations, and of its rendering: docs/pruning.md's generated tables must be what
`scripts/pruning_study --render` writes from the committed JSON (no hand edits, no stale page).

Usage: pruning_study_test.py REPO_ROOT"""
import hashlib
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.abspath(sys.argv.pop(1) if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from pruning import plan, stats  # noqa: E402


def t_pdf(x, df):
    c = math.gamma((df + 1) / 2) / (math.sqrt(df * math.pi) * math.gamma(df / 2))
    return c * (1 + x * x / df) ** (-(df + 1) / 2)


def t_central_mass(t, df, steps=20000):
    """P(|T| <= t) by Simpson's rule on the density: no table, no library."""
    h = t / steps
    s = t_pdf(0, df) + t_pdf(t, df)
    for i in range(1, steps):
        s += (4 if i % 2 else 2) * t_pdf(i * h, df)
    return 2 * s * h / 3


def wilson_by_bisection(p, n, z=1.959964):
    """The two roots of |p - q| = z * sqrt(q (1 - q) / n), found by bisection on q."""
    def f(q):
        return abs(p - q) - z * math.sqrt(q * (1 - q) / n)

    def root(lo, hi):  # f(lo) and f(hi) of opposite signs
        for _ in range(200):
            mid = (lo + hi) / 2
            if (f(lo) > 0) == (f(mid) > 0):
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2
    return (root(0.0, p) if p > 0 else 0.0), (root(p, 1.0) if p < 1 else 1.0)


class Stats(unittest.TestCase):
    def test_t_table_holds_95_percent(self):
        for df, t in stats.T975.items():
            self.assertAlmostEqual(t_central_mass(t, df), 0.95, delta=2e-4, msg=f"df {df}")

    def test_t_between_rows_is_never_narrower(self):
        for df in range(1, 31):
            exact_below = max(k for k in stats.T975 if k <= df)
            self.assertGreaterEqual(stats.t975(df), stats.T975[30])
            self.assertEqual(stats.t975(df), stats.T975[exact_below])
            self.assertGreaterEqual(t_central_mass(stats.t975(df), df), 0.95 - 2e-4)

    def test_wilson_solves_its_equation(self):
        for p, n in [(0.7383, 8212), (0.5, 100), (0.02, 50), (0.98, 50), (0.0, 30), (1.0, 30)]:
            lo, hi = stats.wilson(p, n)
            blo, bhi = wilson_by_bisection(p, n)
            self.assertAlmostEqual(lo, blo, places=9, msg=f"p {p} n {n}")
            self.assertAlmostEqual(hi, bhi, places=9, msg=f"p {p} n {n}")

    def test_mean_interval_against_statistics_module(self):
        rng = random.Random(17)
        for n in (2, 3, 5, 8):
            xs = [rng.gauss(300, 8) for _ in range(n)]
            m, h, k = stats.mean_interval(xs)
            self.assertEqual(k, n)
            self.assertAlmostEqual(m, statistics.fmean(xs), places=9)
            self.assertAlmostEqual(h, stats.T975[n - 1] * statistics.stdev(xs) / math.sqrt(n),
                                   places=9)
        self.assertEqual(stats.mean_interval([4.0]), (4.0, None, 1))
        self.assertIsNone(stats.mean_interval([]))

    def test_paired_uses_common_seeds_only(self):
        a = {1: 310.0, 2: 322.0, 3: 301.0, 4: 999.0}
        b = {1: 300.0, 2: 315.0, 3: 296.0}
        m, h, n = stats.paired(a, b)
        diffs = [10.0, 7.0, 5.0]
        self.assertEqual(n, 3)
        self.assertAlmostEqual(m, statistics.fmean(diffs), places=12)
        self.assertAlmostEqual(h, 4.303 * statistics.stdev(diffs) / math.sqrt(3), places=12)

    def test_verdicts(self):
        # Perplexity (lower is better): A - B entirely above zero means B is better.
        self.assertEqual(stats.verdict((5.0, 1.0, 3), better_if_negative=True), "B better")
        self.assertEqual(stats.verdict((-5.0, 1.0, 3), better_if_negative=True), "A better")
        # Accuracy (higher is better): the other way round.
        self.assertEqual(stats.verdict((5.0, 1.0, 3), better_if_negative=False), "A better")
        self.assertEqual(stats.verdict((0.5, 1.0, 3), better_if_negative=False), "within noise")
        self.assertEqual(stats.verdict((1.0, 1.0, 3), better_if_negative=False), "within noise")
        self.assertEqual(stats.verdict((2.0, None, 1), better_if_negative=False), "one seed")


class Rendering(unittest.TestCase):
    def test_committed_page_is_the_render_of_the_committed_json(self):
        with tempfile.TemporaryDirectory() as tmp:
            for d in ("scripts", "docs"):
                shutil.copytree(os.path.join(ROOT, d), os.path.join(tmp, d))
            p = subprocess.run([sys.executable, os.path.join(tmp, "scripts", "pruning_study"),
                                "--render"], cwd=tmp, capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            names = ["pruning.md"] + [os.path.join("pruning", f)
                                      for f in sorted(os.listdir(os.path.join(ROOT, "docs", "pruning")))
                                      if f.endswith((".md", ".tsv"))]
            self.assertGreater(len(names), 3)
            for name in names:
                with open(os.path.join(ROOT, "docs", name)) as f:
                    committed = f.read()
                with open(os.path.join(tmp, "docs", name)) as f:
                    rendered = f.read()
                self.assertEqual(committed, rendered, f"docs/{name} differs from its render")


class BudgetTable(unittest.TestCase):
    """The budget table of one dense seed: cells over fine-tuning seeds, and HP minus a pattern
    paired by seed, checked against sums done here by hand."""

    def test_dense_seed_2_budget_table(self):
        from pruning import render
        rng = random.Random(7)
        runs, acc = [], {}
        for steps in (400, 1000):
            for seed in (1, 2, 3):
                for series, s in (("control", 0.0), ("hp", 0.9), ("unstructured", 0.9)):
                    a = rng.uniform(0.70, 0.80)
                    acc[(steps, seed, series)] = a
                    runs.append({"series": series, "dense_seed": 2, "steps": steps, "seed": seed,
                                 "target_sparsity": s, "sparsity": s, "test_acc": a})
        # A dense-seed-1 run at one budget only: no budget table for dense seed 1.
        runs.append({"series": "hp", "dense_seed": 1, "steps": 400, "seed": 1,
                     "target_sparsity": 0.9, "sparsity": 0.9, "test_acc": 0.5})
        doc = {"task": "wordnet-cls", "profile": "quick", "dense": {}, "runs": runs}
        labels = {"control": "control", "hp": "hp", "unstructured": "unstructured"}
        v = render.TaskView(doc, labels)
        self.assertEqual(v.budget_table(1), [])
        text = "\n".join(v.budget_table(2))
        self.assertIn("at 90 % against the prune budget, dense model seed 2", text)
        self.assertIn("seeds 1, 2, 3 at 400 steps; 1, 2, 3 at 1000 steps", text)
        for steps in (400, 1000):
            diffs = [100 * (acc[(steps, k, "hp")] - acc[(steps, k, "unstructured")]) for k in (1, 2, 3)]
            m, sd = statistics.mean(diffs), statistics.stdev(diffs)
            h = 4.303 * sd / math.sqrt(3)
            want = f"{m:+.2f} ± {h:.2f}, " + ("hp better" if m - h > 0 else
                                              "unstructured better" if m + h < 0 else "within noise")
            self.assertIn(want, text)
            mean_hp = statistics.mean(100 * acc[(steps, k, "hp")] for k in (1, 2, 3))
            self.assertIn(f"{mean_hp:.2f} ± ", text)


class Resuming(unittest.TestCase):
    """A host that lost its cache (cache/pruning_study, runs/, a new machine) must keep the
    committed results: collecting rewrites the JSON from the cache *and* the committed records."""

    def make_tree(self, tmp):
        for d in ("scripts", "docs"):
            shutil.copytree(os.path.join(ROOT, d), os.path.join(tmp, d))
        shutil.copytree(os.path.join(ROOT, "recipes"), os.path.join(tmp, "frozen", "recipes"))
        with open(os.path.join(tmp, "frozen", "FROZEN.json"), "w") as f:
            f.write('{"commit": "test", "dirty": false}\n')

    def study(self, tmp, *args):
        return subprocess.run([sys.executable, os.path.join(tmp, "scripts", "pruning_study"),
                               *args], cwd=tmp, capture_output=True, text=True)

    def test_collect_without_cache_keeps_committed_records(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.make_tree(tmp)
            p = self.study(tmp, "--no-run")
            self.assertEqual(p.returncode, 0, p.stderr)
            names = [f for f in sorted(os.listdir(os.path.join(ROOT, "docs", "pruning")))
                     if f.startswith("study-") and f.endswith(".json")]
            self.assertGreater(len(names), 1)
            for name in names:
                with open(os.path.join(ROOT, "docs", "pruning", name)) as f:
                    committed = f.read()
                with open(os.path.join(tmp, "docs", "pruning", name)) as f:
                    collected = f.read()
                self.assertEqual(committed, collected, f"docs/pruning/{name} lost records")
            with open(os.path.join(ROOT, "docs", "pruning", "compute.json")) as f:
                committed = {s["name"]: s["done"] for s in json.load(f)["stages"]}
            with open(os.path.join(tmp, "docs", "pruning", "compute.json")) as f:
                collected = {s["name"]: s["done"] for s in json.load(f)["stages"]}
            # Every committed stage keeps its count; a stage added to the plan since starts at 0.
            self.assertEqual(committed, {k: v for k, v in collected.items() if k in committed})
            self.assertEqual({v for k, v in collected.items() if k not in committed} - {0}, set())
            self.assertGreater(sum(collected.values()), 100)

    def test_a_different_dense_model_stops_the_study(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.make_tree(tmp)
            # A dense model on this host, scored, that is not the committed study's.
            run = os.path.join(tmp, "runs", "sotu-lm-quick")
            os.makedirs(run)
            with open(os.path.join(run, "model.safetensors"), "wb") as f:
                f.write(b"not the committed model")
            with open(os.path.join(run, "train_log.json"), "w") as f:
                f.write("{}\n")
            cache = os.path.join(tmp, "cache", "pruning_study", "sotu-lm-quick-d1")
            os.makedirs(cache)
            digest = hashlib.sha256(b"not the committed model").hexdigest()
            with open(os.path.join(cache, "dense.json"), "w") as f:
                f.write('{"model_sha256": "%s", "test": {}, "valid": {}}\n' % digest)
            before = open(os.path.join(tmp, "docs", "pruning", "study-sotu-lm-quick.json")).read()
            p = self.study(tmp, "--no-run")
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("runs/sotu-lm-quick/model.safetensors", p.stderr)
            self.assertIn("dense.1.model_sha256", p.stderr)
            after = open(os.path.join(tmp, "docs", "pruning", "study-sotu-lm-quick.json")).read()
            self.assertEqual(before, after)


class Locks(unittest.TestCase):
    """Two runners share a stage through per-job locks (scripts/pruning/runner.py)."""

    def test_a_job_held_by_another_process_is_skipped_until_released(self):
        from pruning import runner
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "job.lock")
            holder = subprocess.Popen(
                [sys.executable, "-c", "import fcntl,sys; f=open(sys.argv[1],'w'); "
                 "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()",
                 path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            self.assertEqual(holder.stdout.readline().strip(), "held")
            self.assertIsNone(runner.try_lock(path))
            holder.stdin.close()
            holder.wait()
            mine = runner.try_lock(path)
            self.assertIsNotNone(mine)
            # Held by this runner now: a second runner (another open file) is refused.
            self.assertIsNone(runner.try_lock(path))
            mine.close()
            with runner.waiting_lock(path):
                self.assertIsNone(runner.try_lock(path))
            again = runner.try_lock(path)
            self.assertIsNotNone(again)
            again.close()

    FAKE_FITFORMER = """import json, os, sys, time
a = sys.argv[1:]
out = a[a.index("--out") + 1] if "--out" in a else a[a.index("--model") + 1]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(a[0] + " " + out + "\\n")
if a[0] == "train":
    time.sleep(1)
    os.makedirs(out, exist_ok=True)
    open(os.path.join(out, "model.safetensors"), "wb").write(b"weights")
    open(os.path.join(out, "train_log.json"), "w").write('{"train_seconds": 1}')
elif a[0] == "prune":
    time.sleep(0.3)
    os.makedirs(out, exist_ok=True)
    kept = 1 - float(a[a.index("--sparsity") + 1])
    with open(os.path.join(out, "prune.json"), "w") as f:
        json.dump({"key": out, "density": kept, "layers": [{"density": kept}],
                   "valid_metric": 0.9, "valid_loss": 0.3}, f)
    print("{}")
else:
    time.sleep(0.5)
    print(json.dumps({"accuracy": 0.9, "macro_f1": 0.8, "examples": 100,
                      "baseline": {"accuracy": 0.5, "macro_f1": 0.3, "kind": "majority class"}}))
"""

    def fake_tree(self, tmp):
        """frozen/ with a stand-in fitformer (it logs each call, trains for a second, scores
        slowly enough that a runner which did not wait would score the model again)."""
        os.makedirs(os.path.join(tmp, "frozen"), exist_ok=True)
        fake = os.path.join(tmp, "frozen", "fitformer")
        with open(fake, "w") as f:
            f.write("#!" + sys.executable + "\n" + self.FAKE_FITFORMER)
        os.chmod(fake, 0o755)
        with open(os.path.join(tmp, "frozen", "FROZEN.json"), "w") as f:
            f.write('{"commit": "test", "dirty": false, "fitformer_sha256": "fake"}\n')
        return dict(os.environ, FAKE_LOG=os.path.join(tmp, "calls"))

    def calls(self, tmp):
        with open(os.path.join(tmp, "calls")) as f:
            return [line.split() for line in f]

    def test_two_runners_share_a_stage_and_run_each_job_once(self):
        with tempfile.TemporaryDirectory() as tmp:
            for d in ("scripts", "docs"):
                shutil.copytree(os.path.join(ROOT, d), os.path.join(tmp, d))
            shutil.copytree(os.path.join(ROOT, "recipes"), os.path.join(tmp, "frozen", "recipes"))
            env = self.fake_tree(tmp)
            # A stage with nothing committed: its dense model and every job are new here.
            os.remove(os.path.join(tmp, "docs", "pruning", "study-spam-cls-full.json"))
            stage = "p5-spam-cls-full"
            cmd = [sys.executable, os.path.join(tmp, "scripts", "pruning_study"), "--stages", stage]
            runners = [subprocess.Popen(cmd, cwd=tmp, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True) for _ in range(2)]
            logs = [p.communicate()[0] for p in runners]
            self.assertEqual([p.returncode for p in runners], [0, 0], "\n".join(logs))
            calls = self.calls(tmp)
            jobs = list(plan.STAGE_BY_NAME[stage].jobs())
            prunes = [out for cmd, out in calls if cmd == "prune"]
            self.assertEqual(len(prunes), len(jobs))
            self.assertEqual(len(set(prunes)), len(jobs))
            self.assertEqual([c for c, _ in calls].count("train"), 1)
            self.assertEqual([c for c, _ in calls].count("eval"), len(jobs) + 2)
            # Both did a share of the work, and the study's JSON holds every job once.
            self.assertTrue(all(": prune" in log for log in logs), "\n".join(logs))
            with open(os.path.join(tmp, "docs", "pruning", "study-spam-cls-full.json")) as f:
                runs = json.load(f)["runs"]
            self.assertEqual(len(runs), len(jobs))


if __name__ == "__main__":
    unittest.main(verbosity=2)
