"""Writes the pruning study's Markdown tables and gnuplot figures from its JSON
(docs/pruning/study-TASK-PROFILE.json, docs/pruning/compute.json) and splices them into
docs/pruning.md between its generated markers. Reads nothing else, so the committed JSON alone
regenerates the page."""
import json
import os
import subprocess

from . import plan, stats

GRID = [0.5, 0.7, 0.8, 0.9, 0.95]
MAIN_ORDER = ["hp", "bank-balanced", "bank-balanced-1x64", "block-balanced", "block",
              "block-64x16", "unstructured"]
HP_ORDER = ["hp-B4", "hp", "hp-B16", "hp-rho2_0.125", "hp-rho2_0.25", "hp-rho2_0.75"]
# (A, B) pairs compared per seed at the same target sparsity.
PAIRS = [("hp", "bank-balanced"), ("hp", "bank-balanced-1x64"), ("hp", "block-balanced"),
         ("hp", "block"), ("hp", "block-64x16"), ("hp", "unstructured"),
         ("bank-balanced-1x64", "unstructured"), ("hp-B4", "hp"), ("hp-B16", "hp"),
         ("hp-rho2_0.125", "hp"), ("hp-rho2_0.25", "hp"), ("hp-rho2_0.75", "hp")]
LEVELS = [1, 2, 5]
STYLES = {"hp": "lw 3 pt 7 lc rgb '#d62728'", "bank-balanced": "pt 13 lc rgb '#9467bd'",
          "bank-balanced-1x64": "dt 2 pt 12 lc rgb '#9467bd'",
          "block-balanced": "pt 11 lc rgb '#2ca02c'", "block": "pt 9 lc rgb '#1f77b4'",
          "block-64x16": "dt 2 pt 8 lc rgb '#1f77b4'", "unstructured": "pt 5 lc rgb '#7f7f7f'",
          "hp-B4": "pt 6 lc rgb '#ff7f0e'", "hp-B16": "pt 4 lc rgb '#8c564b'",
          "hp-rho2_0.125": "dt 3 pt 10 lc rgb '#e377c2'", "hp-rho2_0.25": "dt 3 pt 6 lc rgb '#17becf'",
          "hp-rho2_0.75": "dt 3 pt 8 lc rgb '#bcbd22'"}


class Metric:
    def __init__(self, lm):
        self.lm = lm
        self.key = "test_ppl" if lm else "test_acc"
        self.scale = 1 if lm else 100
        self.name = "test perplexity" if lm else "test accuracy (%)"
        self.digits = 1 if lm else 2

    def value(self, r):
        return self.scale * r[self.key]

    def fmt(self, v):
        return f"{v:.{self.digits}f}"

    def cell(self, mi):
        m, h, n = mi
        return self.fmt(m) + (f" ± {self.fmt(h)}" if h is not None else " (1 seed)")

    def loss(self, r, ctrl):
        """How far a run falls behind its control (same seed): % of the control's perplexity,
        or points of accuracy."""
        if self.lm:
            return 100 * (r[self.key] / ctrl[self.key] - 1)
        return self.scale * (ctrl[self.key] - r[self.key])


def pct(s):
    return f"{100 * s:.1f}".rstrip("0").rstrip(".") + " %"


class TaskView:
    def __init__(self, doc, labels):
        self.doc = doc
        self.task, self.profile = doc["task"], doc["profile"]
        self.metric = Metric(self.task.endswith("-lm"))
        self.labels = labels
        self.runs = doc["runs"]

    def cell_runs(self, series, sparsity, steps, dense_seed=1):
        return {r["seed"]: r for r in self.runs if r["series"] == series and
                abs(r["target_sparsity"] - sparsity) < 1e-9 and r["steps"] == steps and
                r["dense_seed"] == dense_seed}

    def budgets(self, dense_seed=1):
        return sorted({r["steps"] for r in self.runs if r["dense_seed"] == dense_seed})

    def seeds_of(self, steps, dense_seed=1):
        return sorted({r["seed"] for r in self.runs if r["steps"] == steps and
                       r["dense_seed"] == dense_seed})

    def summary(self, series, sparsity, steps, dense_seed=1):
        runs = self.cell_runs(series, sparsity, steps, dense_seed)
        if not runs:
            return None
        mi = stats.mean_interval([self.metric.value(r) for r in runs.values()])
        achieved = sum(r["sparsity"] for r in runs.values()) / len(runs)
        return mi, achieved, runs

    def fmt_cell(self, series, sparsity, steps, dense_seed=1):
        s = self.summary(series, sparsity, steps, dense_seed)
        if s is None:
            return ""
        mi, achieved, _ = s
        out = self.metric.cell(mi)
        if mi[2] not in (1, 3):
            out += f" (n = {mi[2]})"
        if abs(achieved - sparsity) > 0.005 and series != "control":
            out += f" (at {pct(achieved)})"
        return out

    # ---- tables ----

    def rerun(self, keep):
        """The command that reruns the runs keep() selects: the plan's stages that hold them."""
        ran = {plan.job_of(self.task, self.profile, r) for r in self.runs if keep(r)}
        names, covered = [], set()
        for st in plan.STAGES:  # a job two stages share is named once, by the first
            mine = set(st.jobs()) & ran - covered
            if mine:
                names.append(st.name)
                covered |= mine
        return f"; `scripts/pruning_study --stages {','.join(names)}`" if names else ""

    def header(self, steps, dense_seed=1, what="", keep=lambda r: True):
        seeds = self.seeds_of(steps, dense_seed)
        command = self.rerun(lambda r: r["steps"] == steps and r["dense_seed"] == dense_seed and
                             keep(r))
        return (f"**{self.task} ({self.profile}), {self.metric.name}, {steps} prune steps per job, "
                f"fine-tuning seeds {', '.join(map(str, seeds))}, dense model seed {dense_seed}"
                f"{what}** (measured; mean ± half-width of the 95 % t interval over the seeds"
                f"{command})\n")

    def dense_row(self, dense):
        t = dense["test"]
        return self.metric.fmt(self.metric.scale * (t["perplexity"] if self.metric.lm else t["accuracy"]))

    def main_table(self, steps):
        order = [k for k in MAIN_ORDER if any(self.cell_runs(k, s, steps) for s in GRID)]
        cols = [s for s in GRID if any(self.cell_runs(k, s, steps) for k in order)]
        if not order:
            return []
        out = [self.header(steps, keep=lambda r: r["series"] in order + ["control"])]
        d = self.doc["dense"].get("1")
        ctrl = self.fmt_cell("control", 0.0, steps)
        out += ["| reference (sparsity 0) | test |", "|---|---:|"]
        if d:
            out.append(f"| dense model as trained (one model) | {self.dense_row(d)} |")
        out.append(f"| {self.labels['control']} | {ctrl} |")
        if d:
            b = d["test"]["baseline"]
            bv = b["perplexity"] if self.metric.lm else 100 * b["accuracy"]
            out.append(f"| trivial baseline: {b['kind']} | {self.metric.fmt(bv)} |")
        out += ["", "| pattern | " + " | ".join(pct(s) for s in cols) + " |",
                "|---|" + "---:|" * len(cols)]
        for k in order:
            out.append(f"| {self.labels[k]} | " +
                       " | ".join(self.fmt_cell(k, s, steps) for s in cols) + " |")
        out.append("")
        if not self.metric.lm:
            out.append(self.binomial_note(steps))
        return out + self.loss_table(steps, order, cols)

    def loss_cell(self, series, sparsity, steps, dense_seed=1):
        got = self.loss_summary(series, sparsity, steps, dense_seed)
        if got is None:
            return ""
        m, h, n, _ = got
        out = f"{m:+.1f}" + (f" ± {h:.1f}" if h is not None else " (1 seed)")
        return out + ("" if n in (1, 3) else f" (n = {n})")

    def loss_table(self, steps, order, cols):
        what = ("% above the control's perplexity" if self.metric.lm else
                "accuracy points below the control's")
        out = [f"**The same cells as the loss against the control, paired by seed: {what}** "
               "(measured; mean ± 95 % t half-width of the per-seed differences; a seed "
               "moves every cell of a table together, so these intervals are narrower)\n",
               "| pattern | " + " | ".join(pct(s) for s in cols) + " |",
               "|---|" + "---:|" * len(cols)]
        for k in order:
            out.append(f"| {self.labels[k]} | " +
                       " | ".join(self.loss_cell(k, s, steps) for s in cols) + " |")
        return out + [""]

    def binomial_note(self, steps):
        runs = [r for r in self.runs if r["steps"] == steps and r["dense_seed"] == 1]
        if not runs:
            return ""
        n = runs[0]["examples"]
        halves = [100 * (hi - lo) / 2 for lo, hi in (stats.wilson(r["test_acc"], n) for r in runs)]
        return (f"One run's own 95 % binomial (Wilson) interval on the {n} test examples is "
                f"{min(halves):.2f} to {max(halves):.2f} "
                "points either side at these accuracies (each run's is in the TSV); it is the "
                "test split's sampling error, shared by every cell because they share the split, "
                "and it is not part of the seed interval above.\n")

    def paired(self, a, b, sparsity, steps, dense_seed=1):
        """A − B paired by fine-tuning seed at one target and budget: (mean, half-width, n),
        the verdict naming the better series, and each side's mean achieved sparsity; None
        below two common seeds."""
        ra = self.cell_runs(a, sparsity, steps, dense_seed)
        rb = self.cell_runs(b, sparsity, steps, dense_seed)
        common = sorted(set(ra) & set(rb))
        if len(common) < 2:
            return None
        mi = stats.paired({k: self.metric.value(ra[k]) for k in common},
                          {k: self.metric.value(rb[k]) for k in common})
        v = stats.verdict(mi, better_if_negative=self.metric.lm)
        v = {"A better": f"{self.short(a)} better", "B better": f"{self.short(b)} better"}.get(v, v)
        achieved = [sum(r[k]["sparsity"] for k in common) / len(common) for r in (ra, rb)]
        return mi, v, achieved

    def pair_table(self, steps):
        rows = []
        for s in GRID:
            for a, b in PAIRS:
                got = self.paired(a, b, s, steps)
                if got is None:
                    continue
                (m, h, n), v, (sa, sb) = got
                at = pct(sa) if abs(sa - sb) < 0.005 else f"{pct(sa)} vs {pct(sb)}"
                rows.append(f"| {pct(s)} | {self.short(a)} − {self.short(b)} | {at} | "
                            f"{m:+.{self.metric.digits}f} ± {h:.{self.metric.digits}f} | {n} | {v} |")
        if not rows:
            return []
        unit = "perplexity points (negative: A better)" if self.metric.lm else \
            "accuracy points (positive: A better)"
        return [f"**{self.task} ({self.profile}), {steps} steps: paired differences A − B, same "
                f"fine-tuning seed** (measured; {unit}; mean ± half-width of the 95 % t interval "
                "of the per-seed differences)\n",
                "| target | A − B | achieved sparsity | difference | seeds | verdict |",
                "|---:|---|---|---:|---:|---|"] + rows + [""]

    def short(self, k):
        return k

    def iso_cells(self, series, steps):
        """Per level: (frontier by the mean, by the interval's pessimistic end, by its
        optimistic end), each the achieved sparsity or None, and the lowest measured target."""
        ctrl = self.cell_runs("control", 0.0, steps)
        points = []
        for s in GRID:
            runs = self.cell_runs(series, s, steps)
            common = sorted(set(runs) & set(ctrl))
            if len(common) < 2:
                continue
            mi = stats.mean_interval([self.metric.loss(runs[k], ctrl[k]) for k in common])
            points.append((s, sum(runs[k]["sparsity"] for k in common) / len(common), mi))
        if not points:
            return None
        out = {}
        for level in LEVELS:
            res = []
            for pick in (lambda m, h: m, lambda m, h: m + h, lambda m, h: m - h):
                best = None
                for s, achieved, (m, h, _) in points:
                    if pick(m, h) <= level:
                        best = achieved
                    else:
                        break
                res.append(best)
            out[level] = res
        return out, points[0][0]

    def iso_table(self, steps):
        rows = []
        for k in MAIN_ORDER + [h for h in HP_ORDER if h != "hp"]:
            got = self.iso_cells(k, steps)
            if got is None:
                continue
            cells, lowest = got
            fmt = lambda v: f"< {pct(lowest)}" if v is None else pct(v)
            rows.append(f"| {self.labels[k]} | {pct(lowest)} | " + " | ".join(
                f"{fmt(cells[l][0])} [{fmt(cells[l][1])} – {fmt(cells[l][2])}]" for l in LEVELS) + " |")
        if not rows:
            return []
        what = ("test perplexity at most 1 / 2 / 5 % above the control's" if self.metric.lm else
                "test accuracy at most 1 / 2 / 5 points below the control's")
        return [f"**{self.task} ({self.profile}), {steps} steps: iso-accuracy, the highest measured "
                f"sparsity with {what}** (measured; paired with the control per seed; each cell: "
                "by the mean [by the 95 % interval's pessimistic end – by its optimistic end]; a "
                "sparsity counts only when every lower measured one of the pattern passes too)\n",
                "| pattern | lowest target measured | within 1 % | within 2 % | within 5 % |",
                "|---|---:|---:|---:|---:|"] + rows + [""]

    def hp_table(self, steps):
        order = [k for k in HP_ORDER if any(self.cell_runs(k, s, steps) for s in GRID)]
        if len(order) < 2:
            return []
        cols = [s for s in GRID if any(self.cell_runs(k, s, steps) for k in order)]
        shown = order + ["bank-balanced-1x64", "unstructured"]
        out = [self.header(steps, what=": HP's geometry and split",
                           keep=lambda r: r["series"] in shown),
               "| HP variant | " + " | ".join(pct(s) for s in cols) + " |",
               "|---|" + "---:|" * len(cols)]
        for k in shown:
            if any(self.cell_runs(k, s, steps) for s in cols):
                out.append(f"| {self.labels[k]} | " +
                           " | ".join(self.fmt_cell(k, s, steps) for s in cols) + " |")
        return out + [""]

    def dense_seeds(self):
        return sorted({r["dense_seed"] for r in self.runs})

    def budget_sparsities(self, dense_seed):
        """The sparsities at which some pattern has cells at two budgets or more."""
        return [s for s in [0.8, 0.9, 0.95] if self.budget_order(s, dense_seed)]

    def budget_order(self, sparsity, dense_seed):
        budgets = self.budgets(dense_seed)
        return [k for k in MAIN_ORDER
                if sum(bool(self.cell_runs(k, sparsity, b, dense_seed)) for b in budgets) >= 2]

    def budget_table(self, dense_seed=1):
        """Per sparsity, each pattern against the budget: the cells, their loss against the
        control paired by seed, and HP minus each pattern paired by seed, with the verdict."""
        budgets, d = self.budgets(dense_seed), dense_seed
        out = []
        for s in self.budget_sparsities(d):
            order = self.budget_order(s, d)
            seeds = "; ".join(f"{', '.join(map(str, self.seeds_of(b, d)))} at {b} steps"
                              for b in budgets)
            command = self.rerun(lambda r: r["dense_seed"] == d and (r["series"] == "control" or (
                r["series"] in order and abs(r["target_sparsity"] - s) < 1e-9)))
            out += [f"**{self.task} ({self.profile}): {self.metric.name} at {pct(s)} against the "
                    f"prune budget, dense model seed {d}** (measured; mean ± 95 % t half-width over "
                    f"the fine-tuning seeds; seeds {seeds}{command})\n",
                    "| pattern | " + " | ".join(f"{b} steps" for b in budgets) + " |",
                    "|---|" + "---:|" * len(budgets),
                    f"| {self.labels['control']} | " +
                    " | ".join(self.fmt_cell("control", 0.0, b, d) for b in budgets) + " |"]
            for k in order:
                out.append(f"| {self.labels[k]} | " +
                           " | ".join(self.fmt_cell(k, s, b, d) for b in budgets) + " |")
            ranks = []
            for b in budgets:
                have = [(self.summary(k, s, b, d)[0][0], k) for k in order if self.summary(k, s, b, d)]
                have.sort(reverse=not self.metric.lm)
                ranks.append(" > ".join(k for _, k in have))
            out.append("| order by mean, best first | " + " | ".join(ranks) + " |")
            what = ("% above the control's perplexity" if self.metric.lm else
                    "accuracy points below the control's")
            out += ["", f"Loss against the control, paired by seed ({what}; mean ± 95 % t "
                    "half-width of the per-seed differences), and HP minus each pattern, paired by "
                    f"seed ({'perplexity points, negative: HP better' if self.metric.lm else 'accuracy points, positive: HP better'}):\n",
                    "| pattern | " + " | ".join(f"{b} steps: loss | {b} steps: hp − it" for b in budgets) + " |",
                    "|---|" + "---:|---|" * len(budgets)]
            for k in order:
                cells = []
                for b in budgets:
                    cells.append(self.loss_cell(k, s, b, d))
                    cells.append("" if k == "hp" else self.hp_minus(k, s, b, d))
                out.append(f"| {self.labels[k]} | " + " | ".join(cells) + " |")
            out.append("")
        return out

    def hp_minus(self, series, sparsity, steps, dense_seed):
        """HP minus a pattern at one budget, paired by seed, with the verdict."""
        got = self.paired("hp", series, sparsity, steps, dense_seed)
        if got is None:
            return ""
        (m, h, n), v, _ = got
        return (f"{m:+.{self.metric.digits}f} ± {h:.{self.metric.digits}f}" +
                ("" if n == 3 else f" (n = {n})") + f", {v}")

    def dense_seed_table(self):
        dseeds = self.dense_seeds()
        if len(dseeds) < 2:
            return []
        steps = min(r["steps"] for r in self.runs if r["dense_seed"] != 1)
        seed = 1
        rows = []
        dense = [self.doc["dense"].get(str(d)) for d in dseeds]
        if all(dense):
            vals = [float(self.dense_row(d)) for d in dense]
            rows.append("| dense model as trained | " + " | ".join(self.dense_row(d) for d in dense)
                        + f" | {self.metric.cell(stats.mean_interval(vals))} |")
        cols = [("control", 0.0)] + [(k, s) for k in MAIN_ORDER for s in GRID
                                      if all(self.cell_runs(k, s, steps, d).get(seed) for d in dseeds)]
        for k, s in cols:
            rs = [self.cell_runs(k, s, steps, d).get(seed) for d in dseeds]
            if not all(rs):
                continue
            vals = [self.metric.value(r) for r in rs]
            name = self.labels[k] + ("" if k == "control" else f" at {pct(s)}")
            rows.append(f"| {name} | " + " | ".join(self.metric.fmt(v) for v in vals) +
                        f" | {self.metric.cell(stats.mean_interval(vals))} |")
        if not rows:
            return []
        shown = {(k, round(s, 6)) for k, s in cols}
        command = self.rerun(lambda r: r["steps"] == steps and r["seed"] == seed and
                             (r["series"], round(r["target_sparsity"], 6)) in shown)
        return [f"**{self.task} ({self.profile}): across dense training seeds, {steps} prune steps, "
                f"fine-tuning seed {seed}** (measured; {self.metric.name}; last column: mean ± 95 % "
                f"t half-width over the dense seeds{command})\n",
                "| model | " + " | ".join(f"dense seed {d}" for d in dseeds) + " | mean |",
                "|---|" + "---:|" * (len(dseeds) + 1)] + rows + [""]

    def markdown(self, figures):
        out = [f"<!-- generated by scripts/pruning_study from docs/pruning/study-{self.task}-"
               f"{self.profile}.json; do not edit -->\n"]
        for steps in self.budgets():
            out += self.main_table(steps)
            for f in figures.get(steps, []):
                out.append(f"![{self.task} ({self.profile}), {steps} steps]({f})\n")
            out += self.pair_table(steps)
            out += self.hp_table(steps)
            out += self.iso_table(steps)
        for d in self.dense_seeds():
            out += self.budget_table(d)
            if ("budget", d) in figures:
                out.append(f"![{self.task} ({self.profile}), dense seed {d}, against the budget]"
                           f"({figures[('budget', d)]})\n")
        out += self.dense_seed_table()
        out.append(f"Every run (seed, achieved sparsity, valid metric, test metrics, the binomial "
                   f"interval, CPU seconds, the exact command): "
                   f"[study-{self.task}-{self.profile}.tsv](pruning/study-{self.task}-{self.profile}.tsv).\n")
        return "\n".join(out)

    # ---- per-run TSV ----

    def tsv(self):
        cols = ["dense_seed", "steps", "seed", "series", "target_sparsity", "sparsity", "valid_metric"]
        cols += (["test_ppl", "test_next_token_acc"] if self.metric.lm else
                 ["test_acc", "test_acc_wilson_low", "test_acc_wilson_high", "test_macro_f1"])
        cols += ["prune_cpu_seconds", "prune_wall_seconds", "eval_cpu_seconds", "finished", "cpu",
                 "command"]
        lines = ["\t".join(cols)]
        for r in sorted(self.runs, key=lambda r: (r["dense_seed"], r["steps"], r["series"],
                                                  r["target_sparsity"], r["seed"])):
            r = dict(r)
            r["cpu"] = r.get("cpu") or "not recorded"  # jobs before 2026-12-05 05:50 UTC
            if not self.metric.lm:
                r["test_acc_wilson_low"], r["test_acc_wilson_high"] = stats.wilson(r["test_acc"], r["examples"])
            lines.append("\t".join(f"{r[c]:.4f}" if isinstance(r[c], float) else str(r[c]) for c in cols))
        return "\n".join(lines) + "\n"

    # ---- figures ----

    def loss_summary(self, series, sparsity, steps, dense_seed=1):
        """(mean, half-width, n, achieved sparsity) of the loss against the control, paired by
        seed, or None."""
        ctrl = self.cell_runs("control", 0.0, steps, dense_seed)
        runs = self.cell_runs(series, sparsity, steps, dense_seed)
        common = sorted(set(runs) & set(ctrl))
        if not common:
            return None
        m, h, n = stats.mean_interval([self.metric.loss(runs[k], ctrl[k]) for k in common])
        return m, h, n, sum(runs[k]["sparsity"] for k in common) / len(common)

    def loss_label(self):
        return ("test perplexity, % above the control's (lower is better)" if self.metric.lm else
                "test accuracy, points below the control's (lower is better)")

    def plot(self, path, steps, order, title):
        blocks, plots = [], []
        shift = {k: (i - (len(order) - 1) / 2) * 0.25 for i, k in enumerate(order)}
        for i, k in enumerate(order):
            pts = [(100 * a + shift[k], m, h or 0) for m, h, _, a in
                   filter(None, (self.loss_summary(k, s, steps) for s in GRID))]
            if not pts:
                continue
            blocks.append(f"$d{i} << EOD\n" + "\n".join(f"{x:.3f} {y:.5f} {e:.5f}" for x, y, e in pts) + "\nEOD")
            plots.append(f"$d{i} using 1:2:3 with yerrorlines {STYLES[k]} title '{self.labels[k]}'")
        if plots:
            plots.append("0 with lines lw 2 lc rgb 'black' title 'control (dense + the same steps)'")
        return self.gnuplot(path, blocks, plots, title,
                            "achieved sparsity (%); points shifted up to 1 % sideways to show every bar",
                            "set xrange [45:100]")

    def budget_plot(self, path, sparsity, dense_seed=1):
        budgets = self.budgets(dense_seed)
        order = [k for k in MAIN_ORDER
                 if sum(bool(self.loss_summary(k, sparsity, b, dense_seed)) for b in budgets) >= 2]
        blocks, plots = [], []
        for i, k in enumerate(order):
            pts = [(b, self.loss_summary(k, sparsity, b, dense_seed)) for b in budgets]
            blocks.append(f"$d{i} << EOD\n" + "\n".join(
                f"{b * (1 + 0.02 * (i - len(order) / 2)):.1f} {m:.5f} {h or 0:.5f}"
                for b, (m, h, _, _) in ((b, x) for b, x in pts if x)) + "\nEOD")
            plots.append(f"$d{i} using 1:2:3 with yerrorlines {STYLES[k]} title '{self.labels[k]}'")
        if plots:
            plots.append("0 with lines lw 2 lc rgb 'black' title 'control (dense + the same steps)'")
        return self.gnuplot(path, blocks, plots,
                            f"at {pct(sparsity)} against the prune budget, dense seed {dense_seed}",
                            "prune steps per job (log scale); points shifted a little sideways",
                            "set logscale x")

    def gnuplot(self, path, blocks, plots, title, xlabel, xset):
        if not plots:
            return False
        script = "\n".join(blocks + [
            "set terminal svg size 1000,640 dynamic font 'sans,12' background rgb 'white'",
            f"set output '{path}.tmp'",
            f"set title \"{self.task} ({self.profile}) {title}\\nloss against the control, paired "
            "by fine-tuning seed: mean, bars 95 % t interval (measured)\"",
            f"set xlabel '{xlabel}'", f'set ylabel "{self.loss_label()}"', xset,
            "set autoscale yfix", "set offsets graph 0.02, graph 0.02, graph 0.03, graph 0.03",
            "set grid", "set key below maxrows 3", "set bars small",
            "plot " + ", \\\n  ".join(plots)])
        p = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
        if p.returncode != 0:
            print(f"gnuplot: {p.stderr.strip()[-300:]}")
            return False
        os.replace(path + ".tmp", path)
        return True


def write_atomic(path, text):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def splice(page, name, text):
    begin, end = f"<!-- begin generated: {name} -->\n", f"<!-- end generated: {name} -->"
    try:
        body = open(page).read()
    except OSError:
        return
    if begin in body and end in body:
        head, rest = body.split(begin, 1)
        write_atomic(page, head + begin + text + rest[rest.index(end):])


def render_task(doc, labels, out_dir, page):
    v = TaskView(doc, labels)
    base = f"{v.task}-{v.profile}"
    figures = {}
    for steps in v.budgets():
        f = f"{base}-{steps}steps.svg"
        order = [k for k in MAIN_ORDER if any(v.cell_runs(k, s, steps) for s in GRID)]
        if v.plot(os.path.join(out_dir, f), steps, order, f"after pruning + fine-tuning, {steps} steps per job"):
            figures.setdefault(steps, []).append(f"pruning/{f}")
        hp = [k for k in HP_ORDER if any(v.cell_runs(k, s, steps) for s in GRID)]
        if len(hp) > 1:
            f = f"{base}-{steps}steps-hp.svg"
            if v.plot(os.path.join(out_dir, f), steps, hp + ["bank-balanced-1x64", "unstructured"],
                      f"HP's banks and split, {steps} steps per job"):
                figures.setdefault(steps, []).append(f"pruning/{f}")
    for d in v.dense_seeds():
        if 0.9 in v.budget_sparsities(d):
            f = f"{base}-budget.svg" if d == 1 else f"{base}-d{d}-budget.svg"
            if v.budget_plot(os.path.join(out_dir, f), 0.9, d):
                figures[("budget", d)] = f"pruning/{f}"
    write_atomic(os.path.join(out_dir, f"study-{base}.tsv"), v.tsv())
    md = v.markdown(figures)
    write_atomic(os.path.join(out_dir, f"study-{base}.md"), md.replace("](pruning/", "]("))
    splice(page, base, md)


def render_compute(comp, out_dir, page):
    lines = ["<!-- generated by scripts/pruning_study from docs/pruning/compute.json; do not edit -->\n",
             "| stage | priority | what | jobs done | CPU h estimated (whole stage, before it started) "
             "| CPU h measured (jobs done) | wall h (jobs done) | CPU h projected (whole stage) |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    tot_cpu = tot_wall = 0.0
    for s in comp["stages"]:
        cpu, wall = s["cpu_seconds"] / 3600, s["wall_seconds"] / 3600
        tot_cpu += cpu
        tot_wall += wall
        timed = s["done"] - s.get("resumed", 0)
        proj = f"{cpu * s['jobs'] / timed:.2f}" if timed else ""
        lines.append(f"| {s['name']} | {s['priority']} | {s['what']} | {s['done']} / {s['jobs']} | "
                     f"{s['estimate_cpu_h']:.1f} | {cpu:.2f} | {wall:.2f} | {proj} |")
    for d in comp["dense"]:
        if d.get("train_cpu_seconds") is None:
            continue
        cpu, wall = d["train_cpu_seconds"] / 3600, d["train_wall_seconds"] / 3600
        tot_cpu += cpu
        tot_wall += wall
        lines.append(f"| train {d['model']} | | dense model, `fitformer train` | 1 / 1 | | {cpu:.2f} | "
                     f"{wall:.2f} | |")
    lines.append(f"| **total** | | | | | **{tot_cpu:.2f}** | **{tot_wall:.2f}** | |")
    resumed = sum(s.get("resumed", 0) for s in comp["stages"])
    if resumed:
        lines.append(f"\n{resumed} job(s) found their prune finished by a run that was stopped "
                     "before scoring it; their prune time is unknown and not counted (the "
                     "projection scales from the timed jobs).")
    text = "\n".join(lines) + "\n"
    write_atomic(os.path.join(out_dir, "compute.md"), text)
    splice(page, "compute", text)
