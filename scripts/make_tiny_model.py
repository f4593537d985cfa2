#!/usr/bin/python3
"""Writes a tiny LLaMA-architecture model for functional tests: config.json (a copy of
scenarios/models/tiny-llama.json) and model.safetensors with seeded random fp16 weights under
Hugging Face's tensor names and [out, in] layouts. Standard library only.

usage: scripts/make_tiny_model.py OUT_DIR [--seed N]
"""
import argparse
import json
import os
import random
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tensors(cfg, rng):
    E, F, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    H, KVH = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg.get("head_dim", E // H)

    def mat(rows, cols, scale):
        return [rows, cols], [rng.uniform(-scale, scale) for _ in range(rows * cols)]

    def norm(n):
        return [n], [1.0 + rng.uniform(-0.25, 0.25) for _ in range(n)]

    out = {"model.embed_tokens.weight": mat(V, E, 1.0)}
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        out[p + "input_layernorm.weight"] = norm(E)
        out[p + "self_attn.q_proj.weight"] = mat(H * hd, E, E ** -0.5)
        out[p + "self_attn.k_proj.weight"] = mat(KVH * hd, E, E ** -0.5)
        out[p + "self_attn.v_proj.weight"] = mat(KVH * hd, E, E ** -0.5)
        out[p + "self_attn.o_proj.weight"] = mat(E, H * hd, (H * hd) ** -0.5)
        out[p + "post_attention_layernorm.weight"] = norm(E)
        out[p + "mlp.gate_proj.weight"] = mat(F, E, E ** -0.5)
        out[p + "mlp.up_proj.weight"] = mat(F, E, E ** -0.5)
        out[p + "mlp.down_proj.weight"] = mat(E, F, F ** -0.5)
    out["model.norm.weight"] = norm(E)
    out["lm_head.weight"] = mat(V, E, E ** -0.5)
    return out


def write_safetensors(path, ts):
    header, blobs, offset = {}, [], 0
    for name in sorted(ts):
        shape, values = ts[name]
        blob = struct.pack("<%de" % len(values), *values)  # IEEE half, little endian
        header[name] = {"dtype": "F16", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    header["__metadata__"] = {"format": "pt", "generator": "wafersim scripts/make_tiny_model.py"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)  # align the data like the reference writer
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    cfg_text = open(os.path.join(ROOT, "scenarios/models/tiny-llama.json")).read()
    cfg = json.loads(cfg_text)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        f.write(cfg_text)
    write_safetensors(os.path.join(args.out, "model.safetensors"), tensors(cfg, random.Random(args.seed)))
    print("wrote", os.path.join(args.out, "model.safetensors"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
