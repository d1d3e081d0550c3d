#!/usr/bin/env bash
# Retraining on Caltech-101 (issue #3): cold (empty cache) and warm runs of `lookout retrain` with
# peak memory, the peer (LiteRT features + scikit-learn) on the same split, then the paper's table:
# accuracy, cold retraining time and inference latency for each base model. Prints Markdown.
#   scripts/benchmark-retrain.sh
set -euo pipefail
cd "$(dirname "$0")/.."
models="${LOOKOUT_MODEL_DIR:-$(cd .. && pwd)/shared/models}"
data="${LOOKOUT_SHARED_DIR:-$(cd .. && pwd)/shared}/datasets/caltech101"
bin="${LOOKOUT_BIN:-.build/release/lookout}"
[ -x "$bin" ] || swift build -c release --product lookout >/dev/null
scripts/peer-env.sh
.venv-peer/bin/python -c "import sklearn" 2>/dev/null || .venv-peer/bin/pip install -q scikit-learn
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One retrain: prints "seconds validation_top1 peak_rss_mb embeddings_computed".
retrain() {
  /usr/bin/time -v "$bin" retrain --model "$1" --data "$data" --output "$work/head" --cache "$work/cache" --json \
    >"$work/out.json" 2>"$work/time.txt"
  python3 - "$work/out.json" "$work/time.txt" <<'PY'
import json, re, sys
o = json.load(open(sys.argv[1])); t = open(sys.argv[2]).read()
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
print(f"{o['totalSeconds']:.1f} {o['validationTop1'] * 100:.1f} {rss:.0f} {o['embeddingsComputed']}")
PY
}

echo "Command: scripts/benchmark-retrain.sh"
echo "Machine: $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores; $(date -u +%Y-%m-%d)"
echo "Data: $(find "$data" -type f | wc -l) images in $(ls "$data" | wc -l) labels; validation: 10 % by hash"
echo
echo "| run (mobilenet_v1_1.0_224) | seconds | validation top-1 % | peak RSS MB | embeddings computed |"
echo "|---|---|---|---|---|"
rm -rf "$work/cache"
read -r s a m c < <(retrain "$models/mobilenet_v1_1.0_224.tflite"); echo "| Lookout, cold (empty cache) | $s | $a | $m | $c |"
read -r s a m c < <(retrain "$models/mobilenet_v1_1.0_224.tflite"); echo "| Lookout, warm (cache filled) | $s | $a | $m | $c |"
/usr/bin/time -v .venv-peer/bin/python scripts/retrain_peer.py --model "$models/mobilenet_v1_1.0_224.tflite" --data "$data" \
  >"$work/peer.json" 2>"$work/peer-time.txt"
python3 - "$work/peer.json" "$work/peer-time.txt" <<'PY'
import json, re, sys
o = json.load(open(sys.argv[1])); t = open(sys.argv[2]).read()
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
print(f"| peer: LiteRT features + scikit-learn (2 processes) | {o['total_s']:.1f} | {o['validation_top1'] * 100:.1f} | {rss:.0f} (largest process) | {o['images']} |")
PY
echo
echo "The paper's table on our data (cold runs, each with an empty cache; latency: \`lookout bench\`, 1 thread):"
echo
echo "| base model | validation top-1 % | retraining s (cold) | inference ms |"
echo "|---|---|---|---|"
for m in mobilenet_v1_1.0_224 mobilenet_v1_0.75_224 mobilenet_v1_0.5_224_dequantized mobilenet_v1_1.0_224_quant_embedding_extractor; do
  rm -rf "$work/cache"
  read -r s a _ _ < <(retrain "$models/$m.tflite")
  ms=$("$bin" bench --model "$models/$m.tflite" --runs 50 --json | python3 -c "import json,sys; print(f\"{json.load(sys.stdin)['median_ms']:.2f}\")")
  echo "| $m | $a | $s | $ms |"
done
