#!/usr/bin/env python3
"""Builds the tables of docs/accelerator.md by running `fitformer simulate` and
`fitformer devices predict` (JSON) and printing Markdown. Usage:
  scripts/accelerator_tables.py BINARY [--cache-dir DIR] [--tables abcd] (--only is the same option)
Every number printed comes from the JSON of the command named above its table."""
import json
import subprocess
import sys


def option(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv[2:] else default


BIN = sys.argv[1]
CACHE = option("--cache-dir", None)
TABLES = option("--tables", option("--only", "abcd"))
MODELS = [("causal-lm", "sotu-lm quick (causal LM d128 x2, FFN 512, vocab 8000), seq 64", 64),
          ("bert-classifier", "TinyBERT shape (d312 x4, FFN 1200), seq 128", 128)]
FPGAS = ["pynq-z2", "ultra96-v2", "kv260", "zcu104", "zcu102", "u50", "u200", "u250", "u280"]


def run(args):
    cmd = [BIN] + (["--cache-dir", CACHE] if CACHE else []) + args
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip()
    return json.loads(p.stdout), None


def linear_field(j, field):
    return sum(o[field] for o in j["ops"] if o["provenance"] == "simulated")


def table_a():
    """Each pattern through each stream packer: column, bank-interleaved (unpadded) and padded;
    HP through HPF and, as the check that both packers agree, padded. Two tables per model:
    cycles, then bytes."""
    packers = ["column", "bank-interleaved", "padded"]
    for fam, desc, seq in MODELS:
        cycles, sizes = [], []
        for s in [0.5, 0.75, 0.9, 0.95]:
            hp_lin = None
            for pat in ["hp", "bank-balanced", "block", "unstructured"]:
                res = {}
                for k in ([None, "padded"] if pat == "hp" else packers):
                    args = ["simulate", "--family", fam, "--device", "zcu104", "--sparsity", str(s),
                            "--pattern", pat, "--json"]
                    j, err = run(args + (["--stream-packer", k] if k else []))
                    if j is None:
                        raise SystemExit(f"{' '.join(args)} --stream-packer {k}: {err}")
                    res[k or "hpf"] = j
                lin = {k: linear_field(j, "cycles") for k, j in res.items()}
                first = "hpf" if pat == "hp" else "column"
                ref = "hpf" if pat == "hp" else "bank-interleaved"
                pad = res["padded"]
                hp_lin = hp_lin or lin["hpf"]
                mid = "-" if pat == "hp" else f"{lin['bank-interleaved']:,}"
                both = lambda f: f"{linear_field(res[ref], f):,} / {linear_field(pad, f):,}"
                cycles.append(
                    f"| {s:.2f} | {pat} | {lin[first]:,} | {mid} | {lin['padded']:,} | "
                    f"{lin['padded'] / lin[ref]:.2f}x | {lin['padded'] / hp_lin:.2f}x | "
                    f"{res[ref]['conflict_stall_cycles']:,} | {both('compute_cycles')} | "
                    f"{both('exposed_transfer_cycles')} |")
                sizes.append(
                    f"| {s:.2f} | {pat} | {res[ref]['weight_bytes']:,} | {pad['weight_bytes']:,} | "
                    f"{pad['padding_bytes']:,} | {res[ref]['weight_image_bytes']:,} | "
                    f"{pad['weight_image_bytes']:,} |")
        cmd = (f"`fitformer simulate --family {fam} --device zcu104 --sparsity S --pattern P "
               "--stream-packer K --json` (K omitted for HPF)")
        print(f"\n**(a) {desc}, on the zcu104 design sized for HP: cycles** (simulated)\n")
        print(cmd + "\n")
        print("| sparsity | pattern | linear cycles, HPF (hp) or column order | bank-interleaved | "
              "padded | padded vs bank-interleaved (hp: vs HPF) | padded vs HP | "
              "conflict stall PE-cycles, bank-interleaved (hp: HPF) | compute cycles, "
              "bank-interleaved (hp: HPF) / padded | exposed transfer cycles, same |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        print("\n".join(cycles))
        print(f"\n**(a) {desc}: weight bytes of all Linear layers** (counted from the packed "
              "matrices of the same runs)\n")
        print(cmd + "\n")
        print("| sparsity | pattern | packed, bank-interleaved (hp: HPF) | packed, padded | "
              "of which padding | streamed per pass, bank-interleaved (hp: HPF image) | "
              "streamed per pass, padded image |")
        print("|---|---|---:|---:|---:|---:|---:|")
        print("\n".join(sizes))


def design(j):
    a = j["accelerator"]
    return f"P={a['pes']} B={a['banks']} L={a['token_lanes']}"


def table_b():
    for fam, desc, seq in MODELS:
        print(f"\n**(b) {desc}: HP design vs dense design, each sized for its own model** "
              "(simulated)\n")
        print(f"`fitformer simulate --family {fam} --device D --design dense --sparsity 0 --json` "
              "(the dense design: plain int8 weights, no indices, no crossbar) and "
              f"`fitformer simulate --family {fam} --device D --sparsity S --json` (the HP design "
              "for the model pruned to S; S = 0 is the old baseline, HP at density 1)\n")
        print("| device | dense design | dense us | HP at density 1 us | HP design (0.9) | "
              "HP 0.75 us | x | HP 0.9 us | x | HP 0.95 us | x |")
        print("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
        worst = []  # the dense design's modeled against simulated cycles
        for d in FPGAS:
            j0, err = run(["simulate", "--family", fam, "--device", d, "--design", "dense",
                           "--sparsity", "0", "--json"])
            if j0 is None:
                print(f"| {d} | does not fit ({err.split(': ')[-1][:60]}) ||||||||||")
                continue
            worst.append((abs(j0["modeled_cycles"] - j0["total_cycles"]) / j0["total_cycles"], d))
            h1, _ = run(["simulate", "--family", fam, "--device", d, "--sparsity", "0", "--json"])
            hps = {s: run(["simulate", "--family", fam, "--device", d, "--sparsity", str(s),
                           "--json"])[0] for s in [0.75, 0.9, 0.95]}
            row = (f"| {d} | {design(j0)} | {j0['latency_us']:.1f} | "
                   f"{h1['latency_us']:.1f} | " if h1 else f"| {d} | {design(j0)} | "
                   f"{j0['latency_us']:.1f} | does not fit | ")
            row += (design(hps[0.9]) if hps[0.9] else "-") + " |"
            for s in [0.75, 0.9, 0.95]:
                j = hps[s]
                row += (f" {j['latency_us']:.1f} | {j0['latency_us'] / j['latency_us']:.2f}x |"
                        if j else " - | - |")
            print(row)
        if worst:
            w, d = max(worst)
            print(f"\nThe dense design's whole-model cycles, modeled (`modeled_cycles`) against "
                  f"simulated (`total_cycles`): at most {100 * w:.2f} % apart ({d}).")


def table_c():
    for fam, desc, seq in MODELS:
        print(f"\n**(c) {desc}, HP 0.9, int8: sized configuration and resources** "
              "(modeled; cycles simulated)\n")
        print(f"`fitformer simulate --family {fam} --device D --sparsity 0.9 --json`\n")
        print("| device | P | B | lanes | MHz | weights | wbuf KiB | DSP | BRAM36 | URAM | LUT | FF | "
              "simulated us | modeled cycles | simulated cycles |")
        print("|---|---:|---:|---:|---:|---|---:|---|---|---|---|---|---:|---:|---:|")
        for d in FPGAS:
            j, err = run(["simulate", "--family", fam, "--device", d, "--sparsity", "0.9", "--json"])
            if j is None:
                print(f"| {d} | does not fit: {err.split(': ')[-1][:80]} ||||||||||||||")
                continue
            a, r = j["accelerator"], j["resources"]
            f = lambda k: f"{r[k]:,}/{r['device_' + k]:,}"
            print(f"| {d} | {a['pes']} | {a['banks']} | {a['token_lanes']} | {a['clock_mhz']:.0f} | "
                  f"{'resident' if a['weights_resident'] else 'streamed'} ({a['weight_memory']}) | "
                  f"{a['weight_buffer_bytes'] // 1024} | {f('dsp')} | {f('bram36')} | {f('uram')} | "
                  f"{f('lut')} | {f('ff')} | {j['latency_us']:.1f} | {j['modeled_cycles']:,} | "
                  f"{j['total_cycles']:,} |")


def table_d():
    for fam, desc, seq in MODELS:
        sps = [0.5, 0.9]
        print(f"\n**(d) {desc}, HP, int8, batch 1: latency per device**\n")
        print(f"`fitformer devices predict --family {fam} --seq {seq} --sparsity S --simulate --json`\n")
        print("| device | kind | " + " | ".join(f"S={s} ms | label" for s in sps) + " |")
        print("|---|---|" + "---:|---|" * len(sps))
        res = {}
        for s in sps:
            j, err = run(["devices", "predict", "--family", fam, "--seq", str(seq), "--sparsity",
                          str(s), "--simulate", "--json"])
            res[s] = {d["id"]: d for d in j["devices"]}
        for dev in res[sps[0]]:
            row = f"| {dev} | {res[sps[0]][dev]['kind']} |"
            for s in sps:
                d = res[s][dev]
                if not d["fits"]:
                    row += " - | does not fit |"
                    continue
                lab = d["provenance"]
                if "simulated_ms" in d:
                    lab += f" (simulated {d['simulated_ms']:.3f})"
                if "roofline_ms" in d:
                    lab += f" (roofline {d['roofline_ms']:.3f})"
                row += f" {d['latency_ms']:.3f} | {lab} |"
            print(row)


for name, table in [("a", table_a), ("b", table_b), ("c", table_c), ("d", table_d)]:
    if name in TABLES:
        table()
