# vllava build. Every target finds Java 25 itself (scripts/java-home); nvcc is optional.
JAVA_HOME := $(shell ./scripts/java-home)
export JAVA_HOME
MVN := mvn -B -ntp
NVCC := $(shell command -v nvcc 2>/dev/null || ls /usr/local/cuda/bin/nvcc 2>/dev/null)
CUDA_SOURCES := $(wildcard kernels/src/main/cuda/*.cu)
PTX_DIR := kernels/build/ptx
PTX := $(patsubst kernels/src/main/cuda/%.cu,$(PTX_DIR)/%.ptx,$(CUDA_SOURCES))
DEMO_MODEL := testdata/shapes/model
DEMO_VIDEO := testdata/shapes/bench/media/v000.mp4

AOT_CACHE := cli/target/vllava.aot

.PHONY: build test demo ptx aot bench bench-engine bench-gpu dist clean serve-load serve-browser

build: ptx
	$(MVN) -q -DskipTests package
	@$(MAKE) --no-print-directory aot

# AOT cache (JDK 25, JEP 483/514: AppCDS plus linked classes): a training run of `vllava ask` on the
# demo model records what a start loads, and the launcher maps it on later starts (docs/cli.md).
# It is an optimisation only: when training fails, vllava runs the same without it.
aot:
	@rm -f $(AOT_CACHE)
	@VLLAVA_JAVA_OPTS="-XX:AOTCacheOutput=$(AOT_CACHE)" ./vllava ask --model $(DEMO_MODEL) --video $(DEMO_VIDEO) \
		--max-new-tokens 4 "What color is the shape?" > cli/target/aot-training.log 2>&1 \
		&& echo "AOT cache: $(AOT_CACHE)" \
		|| { rm -f $(AOT_CACHE); echo "AOT cache not built (see cli/target/aot-training.log); vllava starts without it"; }

test: ptx
	$(MVN) verify

demo: build
	./vllava ask --model $(DEMO_MODEL) --video $(DEMO_VIDEO) "What color is the shape?"

# Kernels are compiled for compute_80 (PTX), which the driver JIT-compiles for Ampere, Ada and Hopper.
ptx:
ifeq ($(NVCC),)
	@echo "nvcc not found: building without CUDA kernels (the CUDA engine will report them missing)"
else
	@$(MAKE) --no-print-directory $(PTX)
endif

$(PTX_DIR)/%.ptx: kernels/src/main/cuda/%.cu $(wildcard kernels/src/main/cuda/*.cuh)
	@mkdir -p $(PTX_DIR)
	$(NVCC) -ptx -arch=compute_80 -std=c++17 -O3 -lineinfo -Werror all-warnings -o $@ $<
	@# ptxas assembles the PTX for sm_80 once so that a PTX error fails the build, not the first GPU run.
	@$(dir $(NVCC))ptxas -arch=sm_80 -o /dev/null $@

bench: build
	./vllava bench --backend cpu --synthetic 7b

# JMH micro-benchmarks of the CPU engine's matrix kernels (decode GEMV, prefill GEMM) with the
# machine's read bandwidth and FMA peak measured in the same JVM; THREADS=N to pin the thread count.
bench-engine:
	$(MVN) -q -pl core -am install -DskipTests
	$(MVN) -q -pl core dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath
	$(JAVA_HOME)/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
	  -cp core/target/test-classes:core/target/classes:$$(cat core/target/test.classpath) \
	  dev.vllava.engine.cpu.CpuEngineBenchmarks $(THREADS)

# On a GPU machine: vllava's CUDA bench (CudaBench at the 7B shapes, JSON) and the Hugging Face peer
# (bench/hf_peer.py: transformers FP16 + sdpa, random weights), then a side-by-side table.
BENCH_OUT := target/bench
bench-gpu: build
	@mkdir -p $(BENCH_OUT)
	$(JAVA_HOME)/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
	  -cp 'cli/target/lib/*' dev.vllava.cuda.CudaBench > $(BENCH_OUT)/vllava-cuda.json
	python3 bench/hf_peer.py --json-out $(BENCH_OUT)/hf.json --compare $(BENCH_OUT)/vllava-cuda.json

# vllava serve under load (docs/serve.md): 32 clients x 500 mixed-media requests on the demo model (all answered,
# as when sent alone; latency, throughput, RSS) and 8 concurrent streams vs 1 on a mid-size model; minutes of
# both cores. Figures go to cli/target/serve-load.txt.
serve-load:
	@rm -f cli/target/serve-load.txt
	$(MVN) -pl cli -am verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ServeLoadIT -Dserve.load=full
	@cat cli/target/serve-load.txt

# The page at / in headless Chromium (Debian's chromium package): load it, submit the demo video, read the
# streamed answer, compare with ask's (scripts/serve-browser-check).
serve-browser: build
	./scripts/serve-browser-check

# dist/vllava-VERSION-linux-x86_64{,-slim}/ (jlinked runtime, jars, launcher), dist/runtime.tar.xz and
# dist/gpu-check/ (what scripts/gpu-check.sh needs on a GPU machine).
dist: build
	./scripts/make-dist

clean:
	$(MVN) -q clean
	rm -rf $(PTX_DIR) dist
