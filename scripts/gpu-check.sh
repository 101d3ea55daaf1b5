#!/usr/bin/env bash
# The one script to run on a GPU machine (H100/H200) through the device tool, from the repository root
# of a copy of the working tree, with dist/gpu-check and dist/runtime.tar.xz carried (build them here
# with `scripts/make-dist --gpu-check-only`). No network there. Writes everything under $OUT:
#   env.txt            nvidia-smi, driver/CUDA version, libcublas locations, java/python versions
#   gpu-tests.log      the @Tag("gpu") tests (every kernel vs the CPU engine, the paged KV attention read
#                      through a block table vs the CPU engine and vs the contiguous kernel, tiny-a vs golden,
#                      graph, bench)
#   memcheck.log       compute-sanitizer memcheck over the small GPU tests (advisory; skipped under gVisor)
#   bench-cuda.json    CudaBench at the 7B shapes
#   bench-hf.json      bench/hf_peer.py (transformers, FP16, sdpa) and comparison.txt (side by side)
#   summary.txt        one line per step: name, exit code, seconds
# Total budget 450 s (the device session has 15 minutes including start-up); each step has a timeout
# and a step that would not fit in what is left is skipped.
# Exit status: on a machine with a GPU, 0 only when every step passed; without one (CI's dry run), every
# GPU step must exit 5 ("backend unavailable") and the script exits 0, so CI proves the script runs.
set -u
OUT=${OUT:-$PWD/gpu-check-out}
mkdir -p "$OUT"
: >"$OUT/summary.txt"
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
  if [ "$name" != memcheck ]; then  # memcheck is advisory: the sanitizer itself fails on some runtimes
    if { [ "$GPU_PRESENT" = 1 ] && [ "$rc" != 0 ]; } || { [ "$GPU_PRESENT" = 0 ] && [ "$rc" != 5 ]; }; then
      FAILED="$FAILED $name"
    fi
  fi
}
FAILED=""
GPU_PRESENT=0
nvidia-smi -L >/dev/null 2>&1 && GPU_PRESENT=1

# cuBLAS candidates: the toolkit's, the system's, and pip's NVIDIA wheels in every Python site-packages
# (the device image's torch venv carries libcublas only as nvidia/cu13/lib or nvidia/cublas/lib).
cublas_candidates() {
  local sites
  sites=$(python3 -c 'import site, sys; print(" ".join(site.getsitepackages() + [site.getusersitepackages()]))' 2>/dev/null)
  for d in $sites /opt/*/.venv/lib/python3*/site-packages /usr/local/lib/python3*/dist-packages; do
    ls "$d"/nvidia/cu13/lib/libcublas.so.13 "$d"/nvidia/cublas/lib/libcublas.so.1[23] 2>/dev/null
  done
  ls /usr/local/cuda*/lib64/libcublas.so.1[23] /usr/lib/x86_64-linux-gnu/libcublas.so.1[23] 2>/dev/null
}

# ---- environment ----------------------------------------------------------------------------------
{
  echo "date: $(date -u)"
  nvidia-smi || echo "nvidia-smi: not available"
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv 2>&1
  echo "--- libcuda / libcublas"
  ls -l /usr/lib/x86_64-linux-gnu/libcuda.so* 2>&1 | head -5
  cublas_candidates
  echo "--- tools"
  command -v java && java -version 2>&1
  command -v nvcc && nvcc --version | tail -1
  command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null
  python3 -c 'import torch, transformers; print("torch", torch.__version__, "cuda", torch.version.cuda, "transformers", transformers.__version__)' 2>&1
} >"$OUT/env.txt" 2>&1
head -n 40 "$OUT/env.txt"

# ---- Java 25: the machine's, else the carried jlinked runtime --------------------------------------
# GPU_CHECK_CARRIED_JAVA=1 ignores an installed Java, as CI's dry run does to test the carried runtime.
JAVA=""
[ -n "${GPU_CHECK_CARRIED_JAVA:-}" ] || for candidate in "${JAVA_HOME:-}/bin/java" "$(command -v java 2>/dev/null)" /usr/lib/jvm/*25*/bin/java; do
  if [ -x "$candidate" ] && "$candidate" -version 2>&1 | grep -qE 'version "25[."]?'; then JAVA=$candidate; break; fi
done
if [ -z "$JAVA" ] && [ -f dist/runtime.tar.xz ]; then
  runtime=${GPU_CHECK_RUNTIME_DIR:-/tmp/vllava-runtime}
  mkdir -p "$runtime"
  # tar -J needs the xz binary; Python's tarfile reads .xz on its own.
  if { command -v xz >/dev/null && tar -C "$runtime" -xJf dist/runtime.tar.xz; } \
     || python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' dist/runtime.tar.xz "$runtime"; then
    JAVA=$runtime/runtime/bin/java
  fi
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

# cuBLAS: the first candidate, with its folder on LD_LIBRARY_PATH so that libcublasLt beside it resolves too.
found=$(cublas_candidates | head -1)
if [ -n "$found" ]; then
  export VLLAVA_CUBLAS=$found LD_LIBRARY_PATH="$(dirname "$found")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "VLLAVA_CUBLAS=$found" | tee -a "$OUT/summary.txt"
fi

# ---- tests ---------------------------------------------------------------------------------------------
# Run from kernels/ so the tests find ../testdata as under Maven.
cd "$root/kernels"
# CUDA_LAUNCH_BLOCKING: a faulting kernel fails its own launch, so the failure names it and not a later test.
# The quantized weights first, by name: their kernels and the engine's matmul on them against the CPU engine.
step quantized-parity 60 quantized-parity.log env CUDA_LAUNCH_BLOCKING=1 "$JAVA" "${JVM[@]}" -cp "$CP" dev.vllava.cuda.GpuTestMain gpu \
  'QuantizedCudaGpuTest|QuantizedCudaEngineGpuTest'
step gpu-tests 200 gpu-tests.log env CUDA_LAUNCH_BLOCKING=1 "$JAVA" "${JVM[@]}" -cp "$CP" dev.vllava.cuda.GpuTestMain gpu
SANITIZER=$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -1)
if [ -z "$SANITIZER" ]; then
  echo "memcheck skipped (no compute-sanitizer)" | tee -a "$OUT/summary.txt"
elif [ "$(uname -r)" = 4.4.0 ]; then
  # gVisor reports kernel 4.4.0; compute-sanitizer refuses its GPU proxy ("Device not supported").
  echo "memcheck skipped (gVisor runtime: compute-sanitizer does not support its device)" | tee -a "$OUT/summary.txt"
else
  # Small tests only (tiny-a exercises every kernel at head dims 8/16, prefill and split-K decode).
  step memcheck 70 memcheck.log env CUDA_LAUNCH_BLOCKING=1 "$SANITIZER" --tool memcheck --target-processes all \
    --print-limit 20 "$JAVA" "${JVM[@]}" -cp "$CP" dev.vllava.cuda.GpuTestMain gpu 'CudaGraphGpuTest|TinyModelGpuTest'
fi
cd "$root"

# ---- benchmarks ----------------------------------------------------------------------------------------
step bench-cuda 110 bench-cuda.log "$JAVA" "${JVM[@]}" -cp "$CP" dev.vllava.cuda.CudaBench --decode-tokens 64
sed -n '/^{/,/^}/p' "$OUT/bench-cuda.log" >"$OUT/bench-cuda.json"
step bench-hf 120 bench-hf.log python3 bench/hf_peer.py --decode-tokens 64 --json-out "$OUT/bench-hf.json" \
  --compare "$OUT/bench-cuda.json"
sed -n '/vllava .*HF/,$p' "$OUT/bench-hf.log" >"$OUT/comparison.txt"
cat "$OUT/comparison.txt"
echo "total $(( $(date +%s) - START ))s" | tee -a "$OUT/summary.txt"
if [ -n "$FAILED" ]; then
  echo "FAILED:$FAILED (gpu present: $GPU_PRESENT)" | tee -a "$OUT/summary.txt"
  exit 1
fi
if [ "$GPU_PRESENT" = 1 ]; then
  echo "PASSED: every GPU step exited 0" | tee -a "$OUT/summary.txt"
else
  echo "no GPU: every GPU step exited 5 (backend unavailable), as designed" | tee -a "$OUT/summary.txt"
fi
