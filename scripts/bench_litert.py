#!/usr/bin/env python3
"""Times LiteRT on a .tflite model the way `lookout bench` times Lookout: a fixed input, warm-up,
then each invoke() timed on its own. Prints one JSON line with the same fields.

Percentiles are nearest-rank on the sorted timings (the same method as `lookout bench`)."""
import argparse, json, math, os, resource, time

import numpy as np
from ai_edge_litert import interpreter as litert


def rank(sorted_ms, p):
    return sorted_ms[min(len(sorted_ms) - 1, max(0, math.ceil(p * len(sorted_ms)) - 1))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=10)
    a = ap.parse_args()
    it = litert.Interpreter(model_path=a.model, num_threads=a.threads)
    it.allocate_tensors()
    inp = it.get_input_details()[0]
    n = int(np.prod(inp["shape"]))
    # Same deterministic pixels as `lookout bench` (Knuth multiplicative hash of the index).
    pixels = ((np.arange(n, dtype=np.uint64) * 2654435761) >> 13).astype(np.uint8).reshape(inp["shape"])
    x = pixels if inp["dtype"] == np.uint8 else ((pixels.astype(np.float32) - 127.5) / 127.5)
    it.set_tensor(inp["index"], x)
    for _ in range(a.warmup):
        it.invoke()
    ms = []
    for _ in range(a.runs):
        t = time.perf_counter_ns()
        it.invoke()
        ms.append((time.perf_counter_ns() - t) / 1e6)
    ms.sort()
    from importlib.metadata import version
    print(json.dumps({"runtime": "litert " + version("ai-edge-litert"), "model": os.path.basename(a.model),
                      "threads": a.threads, "runs": a.runs, "median_ms": rank(ms, 0.5), "p10_ms": rank(ms, 0.1),
                      "p90_ms": rank(ms, 0.9), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
