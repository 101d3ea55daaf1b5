#!/usr/bin/env bash
# The one script to run on a GPU machine (H100/H200) through the device tool, from the repository root
# of a copy of the working tree, with dist/gpu-check and dist/runtime.tar.xz carried (build them here
# with `scripts/make-dist --gpu-check-only`). No network there. Writes everything under $OUT:
#   env.txt            nvidia-smi, driver/CUDA version, libcublas locations, java/python versions
#   gpu-tests.log      the @Tag("gpu") tests (every kernel vs the CPU engine, tiny-a vs golden, graph, bench)
#   memcheck.log       compute-sanitizer memcheck over the small GPU tests (when the tool exists)
#   bench-cuda.json    CudaBench at the 7B shapes; bench-cli.log: `vllava bench --backend cuda` if it exists
#   bench-hf.json      bench/hf_peer.py (transformers, FP16, sdpa) and comparison.txt (side by side)
#   summary.txt        one line per step: name, exit code, seconds
# Total budget 450 s (the device session has 15 minutes including start-up); each step has a timeout
# and a step that would not fit in what is left is skipped.
set -u
OUT=${OUT:-$PWD/gpu-check-out}
mkdir -p "$OUT"
BUDGET_S=${GPU_CHECK_BUDGET_S:-450}
START=$(date +%s)
root=$PWD

left() { echo $((BUDGET_S - ($(date +%s) - START))); }

step() {  # step NAME TIMEOUT_S LOG COMMAND...
  local name=$1 limit=$2 log=$3
  shift 3
  local remaining
  remaining=$(left)
  if [ "$remaining" -lt 15 ]; then
    echo "$name skipped (budget spent)" | tee -a "$OUT/summary.txt"
    return
  fi
  [ "$limit" -gt $((remaining - 5)) ] && limit=$((remaining - 5))
  local t0 rc
  t0=$(date +%s)
  echo "== $name (timeout ${limit}s)"
  timeout --kill-after=5 "$limit" "$@" >"$OUT/$log" 2>&1
  rc=$?
  echo "$name rc=$rc $(( $(date +%s) - t0 ))s" | tee -a "$OUT/summary.txt"
  tail -n 15 "$OUT/$log"
}

# ---- environment ----------------------------------------------------------------------------------
{
  echo "date: $(date -u)"
  nvidia-smi || echo "nvidia-smi: not available"
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv 2>&1
  echo "--- libcuda / libcublas"
  ls -l /usr/lib/x86_64-linux-gnu/libcuda.so* 2>&1 | head -5
  timeout 25 find / -xdev \( -path /proc -o -path /sys \) -prune -o -name 'libcublas.so*' -print 2>/dev/null | head -20
  echo "--- tools"
  command -v java && java -version 2>&1
  command -v nvcc && nvcc --version | tail -1
  command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null
  python3 -c 'import torch, transformers; print("torch", torch.__version__, "cuda", torch.version.cuda, "transformers", transformers.__version__)' 2>&1
} >"$OUT/env.txt" 2>&1
head -n 40 "$OUT/env.txt"

# ---- Java 25: the machine's, else the carried jlinked runtime --------------------------------------
JAVA=""
for candidate in "${JAVA_HOME:-}/bin/java" "$(command -v java 2>/dev/null)" /usr/lib/jvm/*25*/bin/java; do
  if [ -x "$candidate" ] && "$candidate" -version 2>&1 | grep -qE 'version "25[."]?'; then JAVA=$candidate; break; fi
done
if [ -z "$JAVA" ] && [ -f dist/runtime.tar.xz ]; then
  mkdir -p /tmp/vllava-runtime && tar -C /tmp/vllava-runtime -xJf dist/runtime.tar.xz && JAVA=/tmp/vllava-runtime/runtime/bin/java
fi
if [ -z "$JAVA" ]; then
  echo "no Java 25 and no dist/runtime.tar.xz: carry dist/runtime.tar.xz" | tee -a "$OUT/summary.txt"
  exit 1
fi
echo "java: $JAVA" | tee -a "$OUT/summary.txt"
if [ ! -d dist/gpu-check/lib ]; then
  echo "dist/gpu-check missing: build it with scripts/make-dist --gpu-check-only and carry it" | tee -a "$OUT/summary.txt"
  exit 1
fi
CP="$root/dist/gpu-check/lib/*"
JVM=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m -Xmx24g)

# cuBLAS: vllava searches LD_LIBRARY_PATH, /usr/local/cuda*/lib64, /usr/lib/x86_64-linux-gnu and pip's
# nvidia/cublas/lib; if the only copy is elsewhere (e.g. torch's bundled wheel in a venv), point at it.
if ! compgen -G '/usr/local/cuda*/lib64/libcublas.so.1[23]' >/dev/null \
   && ! compgen -G '/usr/lib/x86_64-linux-gnu/libcublas.so.1[23]' >/dev/null; then
  found=$(grep -m1 -E 'libcublas\.so\.1[23]$' "$OUT/env.txt")
  [ -n "$found" ] && export VLLAVA_CUBLAS=$found && echo "VLLAVA_CUBLAS=$found" | tee -a "$OUT/summary.txt"
fi

# ---- tests ---------------------------------------------------------------------------------------------
# Run from kernels/ so the tests find ../testdata as under Maven.
cd "$root/kernels"
step gpu-tests 200 gpu-tests.log "$JAVA" "${JVM[@]}" -cp "$CP" dev.vllava.cuda.GpuTestMain gpu
SANITIZER=$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -1)
if [ -n "$SANITIZER" ]; then
  # Small tests only (tiny-a exercises every kernel at head dims 8/16, prefill and split-K decode).
  step memcheck 70 memcheck.log "$SANITIZER" --tool memcheck --target-processes all --print-limit 20 \
    "$JAVA" "${JVM[@]}" -cp "$CP" dev.vllava.cuda.GpuTestMain gpu 'CudaGraphGpuTest|TinyModelGpuTest'
else
  echo "memcheck skipped (no compute-sanitizer)" | tee -a "$OUT/summary.txt"
fi
cd "$root"

# ---- benchmarks ----------------------------------------------------------------------------------------
step bench-cuda 110 bench-cuda.log "$JAVA" "${JVM[@]}" -cp "$CP" dev.vllava.cuda.CudaBench --decode-tokens 64
sed -n '/^{/,/^}/p' "$OUT/bench-cuda.log" >"$OUT/bench-cuda.json"
if "$JAVA" "${JVM[@]}" -cp "$CP" dev.vllava.cli.Main --help 2>/dev/null | grep -qw bench; then
  step bench-cli 90 bench-cli.log "$JAVA" "${JVM[@]}" -cp "$CP" dev.vllava.cli.Main bench --backend cuda --synthetic 7b
else
  echo "bench-cli skipped (this build's CLI has no bench command; CudaBench ran directly)" | tee -a "$OUT/summary.txt"
fi
step bench-hf 120 bench-hf.log python3 bench/hf_peer.py --decode-tokens 64 --json-out "$OUT/bench-hf.json" \
  --compare "$OUT/bench-cuda.json"
sed -n '/vllava .*HF/,$p' "$OUT/bench-hf.log" >"$OUT/comparison.txt"
cat "$OUT/comparison.txt"
echo "total $(( $(date +%s) - START ))s" | tee -a "$OUT/summary.txt"
