"""Runs the pruning study's jobs with frozen binaries (one at a time, one thread) and collects
what finished into records: the dense models (trained when absent), each prune
(`fitformer prune`, cached by the trainer's content key) and its test score (`fitformer eval`,
kept in study.json next to the pruned model, keyed by the prune's key, the dense weights' and
the recipe's hashes). A killed run resumes: a finished job is never redone, an unfinished one
starts again."""
import contextlib
import fcntl
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time


def log(msg):
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {msg}", flush=True)


def write_atomic(path, text):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def try_lock(path):
    """An exclusive lock on the file at path, or None when another process holds it."""
    f = open(path, "w")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        return None
    return f


@contextlib.contextmanager
def waiting_lock(path):
    """Holds an exclusive lock on the file at path, waiting for whoever holds it."""
    with open(path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cpu_name():
    """The host's CPU as /proc/cpuinfo names it ("AMD EPYC family 26 model 2"): the study's
    jobs ran on more than one host (the tables' CPU seconds are comparable only within one)."""
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                k = k.strip()
                if k in ("model name", "cpu family", "model") and k not in info:
                    info[k] = v.strip()
                if not line.strip() and info:
                    break
    except OSError:
        return "unknown"
    return f"{info.get('model name', '?')} family {info.get('cpu family', '?')} model {info.get('model', '?')}"


def run_measured(cmd, capture=True):
    """Runs cmd; returns (completed process, wall seconds, CPU seconds of it and its children).
    stderr (the trainer's progress lines) goes to our log unless captured."""
    cpu0, t0 = children_cpu(), time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE if capture else None,
                       text=True)
    return p, round(time.monotonic() - t0, 1), round(children_cpu() - cpu0, 1)


class Runner:
    def __init__(self, root, frozen="frozen", work="cache/pruning_study", threads=1):
        self.root = root
        self.frozen = os.path.join(root, frozen)
        self.work = os.path.join(root, work)
        self.threads = threads
        self.bin = os.path.join(self.frozen, "fitformer")
        self._recipe_sha = {}

    def recipe_sha(self, task, seed):
        """The seed's recipe file's hash (the files in frozen/ do not change while we run)."""
        if (task, seed) not in self._recipe_sha:
            self._recipe_sha[(task, seed)] = sha256_file(self.recipe(task, seed))
        return self._recipe_sha[(task, seed)]

    # ---- the frozen copy ----

    def freeze(self):
        """Copies the built binaries and the recipes to frozen/, with the commit they came from,
        so that rebuilds and merges cannot change the code or recipes under a running study."""
        if os.path.exists(os.path.join(self.frozen, "FROZEN.json")):
            sys.exit(f"pruning_study: {self.frozen} exists; remove it to freeze again "
                     "(every cached result then reruns only if its inputs changed)")
        os.makedirs(os.path.join(self.frozen, "recipes"), exist_ok=True)
        for b in ["fitformer", "fitformer-train"]:
            shutil.copy2(os.path.join(self.root, "build/release", b), os.path.join(self.frozen, b))
        for r in sorted(os.listdir(os.path.join(self.root, "recipes"))):
            if r.endswith(".toml"):
                shutil.copy2(os.path.join(self.root, "recipes", r),
                             os.path.join(self.frozen, "recipes", r))
        git = lambda *a: subprocess.run(["git", "-C", self.root, *a], capture_output=True,
                                        text=True).stdout.strip()
        info = {"commit": git("rev-parse", "HEAD"),
                "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
                "frozen_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "fitformer_sha256": sha256_file(self.bin),
                "fitformer_train_sha256": sha256_file(os.path.join(self.frozen, "fitformer-train"))}
        write_atomic(os.path.join(self.frozen, "FROZEN.json"), json.dumps(info, indent=2) + "\n")
        log(f"froze binaries and recipes of {info['commit'][:10]} in {self.frozen}")

    def frozen_info(self):
        info = read_json(os.path.join(self.frozen, "FROZEN.json"))
        if info is None:
            sys.exit(f"pruning_study: no {self.frozen}/FROZEN.json; run with --freeze after "
                     "scripts/build release")
        return info

    def recipe(self, task, seed):
        """The frozen recipe; for seed N != 1 a copy whose [train] seed is N (the prune's and the
        trainer's seed: batch order, dropout, initialization), written once."""
        base = os.path.join(self.frozen, "recipes", f"{task}.toml")
        if seed == 1:
            return base
        out = os.path.join(self.frozen, "recipes", f"{task}-seed{seed}.toml")
        if not os.path.exists(out):
            text = open(base).read()
            head, sep, rest = text.partition("\n[train]\n")
            body, nxt, tail = rest.partition("\n[")
            new_body, n = re.subn(r"(?m)^seed = 1$", f"seed = {seed}", body)
            if not sep or n != 1:
                sys.exit(f"pruning_study: {base}: expected one 'seed = 1' line in [train]")
            write_atomic(out, head + sep + new_body + nxt + tail)
        return out

    # ---- dense models ----

    def dense_dir(self, task, profile, dense_seed):
        name = f"{task}-{profile}" + ("" if dense_seed == 1 else f"-seed{dense_seed}")
        return os.path.join(self.root, "runs", name)

    def eval(self, model_dir, task, split):
        cmd = [self.bin, "eval", "--model", model_dir, "--task", task, "--split", split,
               "--threads", str(self.threads), "--json"]
        p, wall, cpu = run_measured(cmd)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: {p.stderr.strip()[-400:]}")
        return json.loads(p.stdout), wall, cpu

    def dense(self, task, profile, dense_seed, run=True):
        """The dense model's record: its test and valid scores and training time, training and
        scoring it first when absent (run=True)."""
        out = self.dense_dir(task, profile, dense_seed)
        cache = os.path.join(self.work, f"{task}-{profile}-d{dense_seed}", "dense.json")
        c = self.scored_dense(out, cache)
        if c is None and run:
            # Two runners on one stage reach a new dense model together: the second waits while
            # the first trains and scores it, rather than training into the same folder beside it.
            os.makedirs(self.work, exist_ok=True)
            with waiting_lock(os.path.join(self.work, f"lock-dense-{task}-{profile}-d{dense_seed}")):
                c = (self.scored_dense(out, cache) or
                     self.train_and_score(task, profile, dense_seed, out, cache))
        if c is None:
            return None
        tl = read_json(os.path.join(out, "train_log.json")) or {}
        c["trainer_seconds"] = tl.get("train_seconds")
        c["dense_seed"] = dense_seed
        c["recipe"] = os.path.relpath(self.recipe(task, dense_seed), self.root)
        return c

    @staticmethod
    def trained(out):
        # `fitformer train` exports model.safetensors and train_log.json when it finishes (an
        # interrupted run leaves a checkpoint, and running it again resumes from there).
        return (os.path.exists(os.path.join(out, "model.safetensors")) and
                os.path.exists(os.path.join(out, "train_log.json")))

    def scored_dense(self, out, cache):
        """The cached scores of the trained model in out; None when it is untrained or the cache
        scored other weights."""
        if not self.trained(out):
            return None
        c = read_json(cache)
        digest = sha256_file(os.path.join(out, "model.safetensors"))
        return c if c and c.get("model_sha256") == digest else None

    def train_and_score(self, task, profile, dense_seed, out, cache):
        if not self.trained(out):
            cmd = [self.bin, "train", "--recipe", self.recipe(task, dense_seed), "--profile",
                   profile, "--out", out, "--threads", str(self.threads)]
            log(f"train {os.path.relpath(out, self.root)}")
            p, wall, cpu = run_measured(cmd, capture=False)
            if p.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)} failed")
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            write_atomic(cache + ".train", json.dumps({"wall": wall, "cpu": cpu}) + "\n")
        log(f"eval dense {os.path.relpath(out, self.root)}")
        test, _, _ = self.eval(out, task, "test")
        valid, _, _ = self.eval(out, task, "valid")
        c = {"model_sha256": sha256_file(os.path.join(out, "model.safetensors")), "test": test,
             "valid": valid}
        timing = read_json(cache + ".train")
        if timing:
            c["train_wall_seconds"], c["train_cpu_seconds"] = timing["wall"], timing["cpu"]
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        write_atomic(cache, json.dumps(c, indent=2) + "\n")
        return c

    # ---- prune jobs ----

    def job_dir(self, job):
        return os.path.join(self.work, job.group(), job.name())

    def done(self, job, dense_sha, recipe_sha):
        out = self.job_dir(job)
        pj = read_json(os.path.join(out, "prune.json"))
        st = read_json(os.path.join(out, "study.json"))
        ok = (pj and st and st.get("key") == pj.get("key") and "test" in st and
              st.get("dense_sha256") == dense_sha and st.get("recipe_sha256") == recipe_sha)
        return (pj, st) if ok else None

    def run_job(self, job, series, dense_sha):
        """Prunes and scores one job unless finished; returns (prune.json, study.json)."""
        recipe = self.recipe(job.task, job.seed)
        recipe_sha = self.recipe_sha(job.task, job.seed)
        found = self.done(job, dense_sha, recipe_sha)
        if found:
            return found
        out = self.job_dir(job)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        cmd = [self.bin, "prune", "--model", self.dense_dir(job.task, job.profile, job.dense_seed),
               "--recipe", recipe, "--profile", job.profile, "--pattern", series.pattern,
               "--sparsity", f"{job.sparsity:g}", "--steps", str(job.steps), "--threads",
               str(self.threads), "--out", out, "--json", *series.args]
        p, wall, cpu = run_measured(cmd, capture=False)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed (exit {p.returncode})")
        pj = read_json(os.path.join(out, "prune.json"))
        try:
            # True when the trainer found its own finished result (a study killed after the
            # trainer finished): then the CPU time above is not the prune's.
            cached = bool(json.loads(p.stdout).get("cached"))
        except (ValueError, AttributeError):
            cached = False
        test, ewall, ecpu = self.eval(out, job.task, "test")
        st = {"key": pj["key"], "dense_sha256": dense_sha, "recipe_sha256": recipe_sha,
              "command": " ".join(os.path.relpath(c, self.root) if c.startswith(self.root) else c
                                  for c in cmd),
              "prune_wall_seconds": wall, "prune_cpu_seconds": cpu, "prune_cached": cached,
              "eval_wall_seconds": ewall, "eval_cpu_seconds": ecpu,
              "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpu": cpu_name(),
              "fitformer_sha256": self.frozen_info()["fitformer_sha256"], "test": test}
        write_atomic(os.path.join(out, "study.json"), json.dumps(st, indent=2) + "\n")
        return pj, st


def record(job, series, pj, st):
    """One finished job as the study's JSON keeps it."""
    t = st["test"]
    r = {"series": job.series, "pattern": series.pattern, "args": list(series.args),
         "dense_seed": job.dense_seed, "steps": job.steps, "seed": job.seed,
         "target_sparsity": job.sparsity, "sparsity": 1 - pj["density"],
         "layer_densities": sorted({round(l["density"], 4) for l in pj["layers"]}),
         "valid_metric": pj["valid_metric"], "valid_loss": pj["valid_loss"],
         "examples": t["examples"], "key": pj["key"], "command": st["command"],
         "finished": st["finished"], "cpu": st.get("cpu")}
    if "fitformer_sha256" in st:  # recorded from 2026-12-05 13:00 UTC (binaries rebuilt)
        r["fitformer_sha256"] = st["fitformer_sha256"]
    for k in ["prune_wall_seconds", "prune_cpu_seconds", "eval_wall_seconds", "eval_cpu_seconds"]:
        r[k] = st[k]
    r["prune_cached"] = st.get("prune_cached", False)
    if "perplexity" in t:
        r.update({"test_ppl": t["perplexity"], "test_next_token_acc": t["next_token_accuracy"],
                  "tokens": t["tokens"]})
    else:
        r.update({"test_acc": t["accuracy"], "test_macro_f1": t["macro_f1"]})
        if "positive_f1" in t:
            r["test_positive_f1"] = t["positive_f1"]
    return r
