#!/usr/bin/env python3
"""The retraining peer for BENCHMARKS.md: the same job as `lookout retrain`, done the usual Python way.
Embeddings from LiteRT (the same .tflite file, its global-pool tensor), one process per core, PIL
preprocessing (EXIF transpose, central 87.5 % crop, bilinear resize); then scikit-learn's
StandardScaler + LogisticRegression (lbfgs). Same train/validation split as Lookout (FNV-1a of
label/file). Prints one JSON line."""
import argparse, json, os, resource, time
from multiprocessing import Pool

import numpy as np
from PIL import Image, ImageOps

MODEL = None


def fnv1a(text, seed=0):
    h = 0xCBF29CE484222325 ^ seed
    for b in text.encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def init(model):
    global MODEL, IT, POOL, INP
    from ai_edge_litert import interpreter as litert
    import warnings
    warnings.filterwarnings("ignore")
    IT = litert.Interpreter(model_path=model, num_threads=1, experimental_preserve_all_tensors=True)
    IT.allocate_tensors()
    INP = IT.get_input_details()[0]
    POOL = next(t["index"] for t in IT.get_tensor_details()
                if len(t["shape"]) in (2, 4) and ("AvgPool" in t["name"] or "Mean" in t["name"] or "global_average" in t["name"]))


def embed(path):
    try:
        img = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    except Exception:
        return None
    w, h = img.size
    s = min(w, h) * 0.875
    img = img.crop(((w - s) / 2, (h - s) / 2, (w + s) / 2, (h + s) / 2)).resize(tuple(INP["shape"][1:3]), Image.BILINEAR)
    x = np.asarray(img, np.float32)[None]
    x = x.astype(np.uint8) if INP["dtype"] == np.uint8 else (x - 127.5) / 127.5
    IT.set_tensor(INP["index"], x)
    IT.invoke()
    return IT.get_tensor(POOL).reshape(-1).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--validation-percent", type=int, default=10)
    ap.add_argument("--processes", type=int, default=os.cpu_count())
    a = ap.parse_args()
    start = time.time()
    labels = sorted(d for d in os.listdir(a.data) if os.path.isdir(os.path.join(a.data, d)))
    items = []
    for i, label in enumerate(labels):
        files = sorted(f for f in os.listdir(os.path.join(a.data, label)) if f.lower().endswith((".jpg", ".jpeg", ".png")))
        for f in files:
            rel = f"{label}/{f}"
            items.append((os.path.join(a.data, rel), i, len(files) > 1 and fnv1a(rel) % 100 < a.validation_percent))
    with Pool(a.processes, initializer=init, initargs=(a.model,)) as pool:
        vectors = pool.map(embed, [p for p, _, _ in items], chunksize=16)
    extracted = time.time()
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    keep = [i for i, v in enumerate(vectors) if v is not None]
    X = np.stack([vectors[i] for i in keep]); y = np.array([items[i][1] for i in keep])
    val = np.array([items[i][2] for i in keep])
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    clf.fit(X[~val], y[~val])
    trained = time.time()
    print(json.dumps({"peer": "LiteRT features + scikit-learn LogisticRegression", "images": len(items),
                      "validation_top1": float((clf.predict(X[val]) == y[val]).mean()),
                      "extract_s": extracted - start, "train_s": trained - extracted, "total_s": trained - start,
                      "peak_rss_mb_main": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "peak_rss_mb_workers": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
