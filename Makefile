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

.PHONY: build test demo ptx aot bench bench-engine profile-vision bench-gpu dist clean serve-load serve-browser

build: ptx
	$(MVN) -q -DskipTests package
	@$(MAKE) --no-print-directory aot

# AOT cache (JDK 25, JEP 483/514/515: AppCDS plus linked classes and JIT profiles): one training JVM
# runs the common commands (AotTraining: help, info, video and image questions, a tokenizer.json model,
# two chat turns) and the launcher maps the cache on later starts (docs/cli.md). The JVM flags are
# ./vllava's: a cache only serves a JVM started with the same module options. It is an optimisation
# only: when training fails, vllava runs the same without it.
aot:
	@rm -f $(AOT_CACHE)
	@$(JAVA_HOME)/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -XX:MaxNewSize=512m -Xss4m \
		-XX:AOTCacheOutput=$(AOT_CACHE) -cp $(abspath cli/target/vllava.jar) dev.vllava.cli.AotTraining \
		> cli/target/aot-training.log 2>&1 \
		&& echo "AOT cache: $(AOT_CACHE)" \
		|| { rm -f $(AOT_CACHE); echo "AOT cache not built (see cli/target/aot-training.log); vllava starts without it"; }

# The whole suite, then the binary distribution built from this tree and checked where no JDK is
# (scripts/dist-check: the dist's --version and ask with no java on PATH, gpu-check.sh's dry run).
test: ptx
	$(MVN) verify
	@$(MAKE) --no-print-directory dist
	./scripts/dist-check

# The terminal tests (cli TerminalScreenIT) drive vllava in tmux: installed here when missing
# (Debian/Ubuntu; as root, else through sudo). A separate rule, so `test`'s own stays as it is.
.PHONY: terminal-tools
test: terminal-tools
terminal-tools:
	@command -v tmux >/dev/null 2>&1 || { \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); echo "installing tmux for the terminal tests"; \
		$$sudo apt-get install -y -qq tmux >/dev/null 2>&1 || { $$sudo apt-get update -qq && $$sudo apt-get install -y -qq tmux; }; } \
		|| echo "tmux could not be installed: the terminal tests (TerminalScreenIT) will fail"

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

# JMH micro-benchmarks of the CPU engine's matrix kernels (decode GEMV, prefill GEMM) and its parallel loop, with the
# machine's read bandwidth and FMA peak measured in the same JVM; THREADS=N to pin the thread count.
bench-engine:
	$(MVN) -q -pl core -am test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath
	$(JAVA_HOME)/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
	  -cp core/target/test-classes:core/target/classes:$$(cat core/target/test.classpath) \
	  dev.vllava.engine.cpu.CpuEngineBenchmarks $(THREADS)

# Where a vision frame's CPU time goes, by engine operation (7B video tower + projector on synthetic F16 weights,
# one engine thread, thread CPU time; docs/bench.md). Makes ~0.7 GB of weights; run it alone (or under the bench lock).
profile-vision:
	$(MVN) -q -pl core -am test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath
	$(JAVA_HOME)/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
	  -cp core/target/test-classes:core/target/classes:$$(cat core/target/test.classpath) \
	  dev.vllava.model.VisionStageProfile $(FRAMES)

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
