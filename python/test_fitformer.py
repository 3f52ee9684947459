"""The Python module `fitformer` against independent paths: the CLI binary's JSON on the same
model (predict, devices predict, eval), a brute-force search for the HP split, and the CLI's
one-line error messages. The model is a tiny BERT classifier of seeded random weights that this
file writes itself (config.json, model.safetensors, vocab.txt).

Run by ctest with PYTHONPATH at the module and FITFORMER_BINARY at the CLI binary."""

import array
import json
import os
import random
import shutil
import struct
import subprocess
import tempfile
import unittest

import fitformer

BINARY = os.environ.get("FITFORMER_BINARY", "fitformer")
SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXTS = ["the cat sat", "free money now", "hello world", "dog ran the cat sat free", "w20 cat"]
# Mail words too, so that the spam model's predictions differ between mails.
WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "dog", "sat", "ran",
         "free", "money", "hello", "world", "now", "you", "your", "to", "a", "and", "of", "i",
         "is", "it", "in", "for", "this", "that", "on", "click", "http", "com", "subject", "re",
         "we"]
HIDDEN, LAYERS, HEADS, FFN, POSITIONS, VOCAB = 16, 2, 2, 32, 32, 64


def write_safetensors(path, tensors):
    """tensors: [(name, shape, floats)] as a safetensors file (8-byte header size, JSON, data)."""
    header, blobs, offset = {}, [], 0
    for name, shape, values in tensors:
        blob = array.array("f", values).tobytes()
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def write_bert_folder(folder, labels, seed):
    """A BERT classifier with HuggingFace's tensor names and seeded random weights."""
    os.makedirs(folder)
    rng = random.Random(seed)

    def tensor(name, *shape, mean=0.0):
        count = 1
        for s in shape:
            count *= s
        return (name, list(shape), [mean + rng.gauss(0, 0.3) for _ in range(count)])

    t = [tensor("bert.embeddings.word_embeddings.weight", VOCAB, HIDDEN),
         tensor("bert.embeddings.position_embeddings.weight", POSITIONS, HIDDEN),
         tensor("bert.embeddings.token_type_embeddings.weight", 2, HIDDEN),
         tensor("bert.embeddings.LayerNorm.weight", HIDDEN, mean=1.0),
         tensor("bert.embeddings.LayerNorm.bias", HIDDEN)]
    for i in range(LAYERS):
        p = f"bert.encoder.layer.{i}."
        for site in ["attention.self.query.", "attention.self.key.", "attention.self.value.",
                     "attention.output.dense."]:
            t += [tensor(p + site + "weight", HIDDEN, HIDDEN), tensor(p + site + "bias", HIDDEN)]
        t += [tensor(p + "attention.output.LayerNorm.weight", HIDDEN, mean=1.0),
              tensor(p + "attention.output.LayerNorm.bias", HIDDEN),
              tensor(p + "intermediate.dense.weight", FFN, HIDDEN),
              tensor(p + "intermediate.dense.bias", FFN),
              tensor(p + "output.dense.weight", HIDDEN, FFN),
              tensor(p + "output.dense.bias", HIDDEN),
              tensor(p + "output.LayerNorm.weight", HIDDEN, mean=1.0),
              tensor(p + "output.LayerNorm.bias", HIDDEN)]
    t += [tensor("bert.pooler.dense.weight", HIDDEN, HIDDEN), tensor("bert.pooler.dense.bias", HIDDEN),
          tensor("classifier.weight", len(labels), HIDDEN), tensor("classifier.bias", len(labels))]
    write_safetensors(os.path.join(folder, "model.safetensors"), t)
    config = {"model_type": "bert", "vocab_size": VOCAB, "hidden_size": HIDDEN,
              "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
              "intermediate_size": FFN, "max_position_embeddings": POSITIONS,
              "id2label": {str(i): l for i, l in enumerate(labels)},
              "label2id": {l: i for i, l in enumerate(labels)}}
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f)
    vocab = WORDS + [f"w{i}" for i in range(len(WORDS), VOCAB)]
    with open(os.path.join(folder, "vocab.txt"), "w") as f:
        f.write("\n".join(vocab) + "\n")


def run_cli(*args):
    """The CLI binary's exit code, stdout and stderr."""
    r = subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=240)
    return r.returncode, r.stdout, r.stderr


def cli_error_line(*args):
    code, _, err = run_cli(*args)
    assert code != 0, f"the CLI accepted {args}"
    lines = [l for l in err.splitlines() if l.startswith("fitformer: error: ")]
    assert len(lines) == 1, err
    return lines[0][len("fitformer: error: "):]


class FitformerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="fitformer-python-")
        cls.three = os.path.join(cls.tmp, "three")
        write_bert_folder(cls.three, ["ham", "spam", "other"], seed=7)
        cls.spam = os.path.join(cls.tmp, "spam")
        write_bert_folder(cls.spam, ["ham", "spam"], seed=3)  # not one label for every mail
        cls.cache = os.path.join(cls.tmp, "cache")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_load_model_reads_the_folder(self):
        m = fitformer.load_model(self.three)
        self.assertEqual(m["family"], "bert-classifier")
        self.assertEqual(m["model_type"], "bert")
        self.assertEqual((m["vocab_size"], m["hidden_size"], m["num_hidden_layers"],
                          m["num_attention_heads"], m["intermediate_size"]),
                         (VOCAB, HIDDEN, LAYERS, HEADS, FFN))
        self.assertEqual(m["labels"], ["ham", "spam", "other"])
        self.assertEqual(m["tokenizer_vocab_size"], VOCAB)
        self.assertFalse(m["hpf"])
        # Six encoder linears per layer (q, k, v, attention output, intermediate, output).
        self.assertEqual(m["dense_linears"], 6 * LAYERS)
        self.assertEqual(m["weights"], LAYERS * (4 * HIDDEN * HIDDEN + 2 * HIDDEN * FFN))
        self.assertEqual(m["kept_weights"], m["weights"])

    def test_predict_equals_the_cli_at_every_precision(self):
        inputs = os.path.join(self.tmp, "texts.jsonl")
        with open(inputs, "w") as f:
            f.write("".join(json.dumps({"text": t}) + "\n" for t in TEXTS))
        for precision in ["fp32", "int16", "int8"]:
            code, out, err = run_cli("predict", "--model", self.three, "--input", inputs,
                                     "--precision", precision, "--json")
            self.assertEqual(code, 0, err)
            want = [json.loads(line) for line in out.splitlines()]
            got = fitformer.predict(self.three, TEXTS, precision=precision)
            self.assertEqual(got, want, precision)
            for p in got:
                self.assertAlmostEqual(sum(l["probability"] for l in p["labels"]), 1.0, places=9)
        one = fitformer.predict(self.three, "hello world")
        self.assertEqual(len(one), 1)
        self.assertEqual(one[0]["label"], one[0]["labels"][0]["label"])

    def test_errors_are_the_cli_lines_and_name_file_and_field(self):
        with self.assertRaises(fitformer.Error) as e:
            fitformer.predict(self.three, TEXTS, precision="int4")
        self.assertIsInstance(e.exception, ValueError)
        self.assertEqual(str(e.exception),
                         cli_error_line("predict", "--model", self.three, "--text", "x",
                                        "--precision", "int4"))
        self.assertEqual(e.exception.found, "int4")
        empty = os.path.join(self.tmp, "empty")
        os.makedirs(empty, exist_ok=True)
        with self.assertRaises(fitformer.Error) as e:
            fitformer.load_model(empty)
        self.assertIn("config.json", e.exception.file)
        self.assertIn("config.json", str(e.exception))
        with self.assertRaises(fitformer.Error) as e:
            fitformer.hp_plan(64, 64, 0.9, rho1=0.5, rho2=0.5)
        self.assertEqual(e.exception.field, "rho1, rho2")

    def test_hp_plan_is_the_nearest_split_by_brute_force(self):
        for rows, cols, sparsity in [(768, 768, 0.9), (256, 1024, 0.75), (100, 128, 0.8),
                                     (3072, 768, 0.95)]:
            plan = fitformer.hp_plan(rows, cols, sparsity)
            # rho2 = 0.5 fixed: n = 4 of every 8, then the k1 whose density is nearest the target.
            n, width, blocks = 4, 8, cols // 64
            target = 1 - sparsity
            k1 = min(range(1, rows + 1), key=lambda k: abs(k * n / (rows * width) - target))
            kept = k1 * blocks * 8 * n
            self.assertEqual((plan["k1"], plan["n"], plan["bank_width"]), (k1, n, width))
            self.assertEqual(plan["kept"], kept)
            self.assertAlmostEqual(plan["density"], kept / (rows * cols), places=12)
        # rho1 fixed: k1 = round(rho1 * rows), then the n nearest the target.
        plan = fitformer.hp_plan(512, 512, 0.9, rho1=0.25)
        n = min(range(1, 9), key=lambda v: abs(128 * v / (512 * 8) - 0.1))
        self.assertEqual((plan["k1"], plan["n"]), (128, n))
        self.assertEqual(plan["kept"], 128 * 8 * 8 * n)

    def test_predict_latency_equals_devices_predict(self):
        config = os.path.join(self.three, "config.json")
        code, out, err = run_cli("--cache-dir", self.cache, "devices", "predict", "--config",
                                 config, "--sparsity", "0.5", "--precision", "int8", "--seq",
                                 "16", "--json")
        self.assertEqual(code, 0, err)
        want = {d["id"]: d for d in json.loads(out)["devices"]}
        kinds = set()
        for device_id, d in want.items():
            if d["provenance"] == "measured" or d["kind"] in kinds:
                continue  # timed on this host: not reproducible; one device per kind is enough
            kinds.add(d["kind"])
            got = fitformer.predict_latency(device_id, config=config, sparsity=0.5,
                                            precision="int8", seq=16, cache_dir=self.cache)
            for key, value in d.items():
                self.assertEqual(got[key], value, f"{device_id} {key}")
        self.assertIn("fpga", kinds)
        self.assertIn("gpu", kinds)
        self.assertIn(got["provenance"], ["modeled", "simulated"])
        with self.assertRaises(fitformer.Error) as e:
            fitformer.predict_latency("zcu14", model_dir=self.three)
        self.assertIn('"zcu104"', str(e.exception))

    def test_score_equals_eval(self):
        for precision in ["fp32", "int8"]:
            code, out, err = run_cli("eval", "--model", self.spam, "--task", "spam-cls",
                                     "--precision", precision, "--json")
            if code != 0:  # no dataset here: the module must fail with the same line
                with self.assertRaises(fitformer.Error) as e:
                    fitformer.score(self.spam, task="spam-cls", precision=precision)
                self.assertIn(str(e.exception), err)
                continue
            want = json.loads(out)
            got = fitformer.score(self.spam, task="spam-cls", precision=precision)
            self.assertEqual((got["examples"], got["max_length"], got["precision"]),
                             (want["examples"], want["max_length"], want["precision"]))
            self.assertEqual(got["metrics"]["acc"], want["accuracy"])
            self.assertEqual(got["metrics"]["macro_f1"], want["macro_f1"])
            self.assertEqual(got["metrics"]["f1"], want["positive_f1"])
            self.assertEqual(got["baseline"]["acc"], want["baseline"]["accuracy"])
            self.assertEqual(got["provenance"], "measured")
            # The model does not answer the majority class everywhere, so equal F1s mean equal
            # predictions rather than two constant classifiers.
            self.assertNotEqual(got["metrics"]["macro_f1"], got["baseline"]["macro_f1"])

    def test_select_checks_its_request_as_the_cli_does(self):
        recipe = os.path.join(SOURCE_DIR, "recipes", "spam-cls.toml")
        for kwargs, args in [({"lc": "5 parsecs", "ac": "acc>=0.8"},
                              ["--lc", "5 parsecs", "--ac", "acc>=0.8"]),
                             ({"lc": "5ms", "ac": "acc>=0.8", "devices": ["kv206"]},
                              ["--lc", "5ms", "--ac", "acc>=0.8", "--devices", "kv206"]),
                             ({"lc": "5ms", "ac": "acc>=0.8", "banks": [8, 12]},
                              ["--lc", "5ms", "--ac", "acc>=0.8", "--banks", "8,12"])]:
            with self.assertRaises(fitformer.Error) as e:
                fitformer.select(recipe, out=os.path.join(self.tmp, "select"), log=False, **kwargs)
            self.assertEqual(str(e.exception),
                             cli_error_line("select", "--recipe", recipe, "--out",
                                            os.path.join(self.tmp, "select"), *args))

    def test_select_gives_the_commands_answer(self):
        """A tiny language model trained, pruned and scored by select from Python; the command
        then runs on the same cache (nothing trained again) and must give the same answer."""
        words = ["the", "union", "is", "strong", "and", "our", "nation", "will", "grow", "with",
                 "new", "jobs", "for", "every", "family", "today"]
        rng = random.Random(7)
        texts = os.path.join(self.tmp, "texts")
        os.makedirs(texts)
        for d in range(60):
            w, out = rng.randrange(16), []
            for i in range(40):
                out.append(words[w] + (".\n" if i % 10 == 9 else " "))
                w = rng.randrange(16) if rng.randrange(4) == 0 else (w + 1) % 16
            with open(os.path.join(texts, "doc%d.txt" % (100 + d)), "w") as f:
                f.write("".join(out))
        recipe = os.path.join(self.tmp, "tiny.toml")
        shutil.copy(os.path.join(SOURCE_DIR, "tests", "select", "tiny-lm.toml"), recipe)
        cache = os.path.join(self.tmp, "select-cache")
        model = os.path.join(cache, "dense")
        devices = ["kv260", "zcu104", "jetson-nano"]
        got = fitformer.select(recipe, lc="1s", ac_drop="50%", devices=devices, model=model,
                               cache_dir=cache, out=os.path.join(self.tmp, "py-out"), log=False)
        want = json.loads(subprocess.run(
            [BINARY, "--cache-dir", cache, "select", "--recipe", recipe, "--model", model,
             "--lc", "1s", "--ac-drop", "50%", "--devices", ",".join(devices), "--json",
             "--out", os.path.join(self.tmp, "cli-out")],
            check=True, capture_output=True, text=True).stdout)
        self.assertEqual(got["chosen"]["device"], want["chosen"]["device"])
        self.assertEqual(got["chosen"]["candidate"], want["chosen"]["candidate"])
        self.assertEqual([c["value"] for c in got["candidates"]],
                         [c["value"] for c in want["candidates"]])
        # Issue 17: each candidate's interval and standing against AC, as the command gives them.
        self.assertEqual([(c["interval"], c["ac_standing"]) for c in got["candidates"]],
                         [(c["interval"], c["ac_standing"]) for c in want["candidates"]])
        for c in got["candidates"]:
            self.assertEqual(c["interval"]["method"], "t-windows")
            self.assertLessEqual(c["interval"]["low"], c["value"])
            self.assertLessEqual(c["value"], c["interval"]["high"])
        self.assertEqual(got["chosen"]["ac_standing"], want["chosen"]["ac_standing"])
        self.assertTrue(os.path.exists(os.path.join(self.tmp, "py-out", "result.json")))


if __name__ == "__main__":
    unittest.main()
