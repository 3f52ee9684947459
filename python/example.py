"""The README's worked example of the Python module: python3 python/example.py MODEL_DIR, with a
language model folder (e.g. the model/ that `fitformer select --recipe recipes/sotu-lm.toml
--profile quick` deploys) and PYTHONPATH at <build>/python."""
import sys

import fitformer

model = sys.argv[1] if len(sys.argv) > 1 else "runs/sotu-lm-quick-select/model"
m = fitformer.load_model(model)
print({k: m[k] for k in ["family", "hidden_size", "num_hidden_layers", "vocab_size", "hpf",
                         "hpf_linears", "kept_weights", "weights"]})
p = fitformer.predict(model, "the state of the union is", precision="int8", tokens=8)
print(p[0]["continuation"], [round(t["probability"], 3) for t in p[0]["tokens"]])
print(fitformer.hp_plan(768, 3072, 0.9))
l = fitformer.predict_latency("zcu104", model_dir=model, sparsity=0.9, seq=64)
print({k: l[k] for k in ["id", "latency_ms", "provenance", "method"]})
try:
    fitformer.predict_latency("zcu14", family="causal-lm")
except fitformer.Error as e:
    print("fitformer.Error:", e, "| field:", e.field)
