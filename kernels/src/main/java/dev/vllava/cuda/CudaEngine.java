package dev.vllava.cuda;

import dev.vllava.VllavaException;
import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.checkpoint.quant.LoadQuantization;
import dev.vllava.engine.Activation;
import dev.vllava.engine.AttentionShape;
import dev.vllava.engine.Engine;
import dev.vllava.engine.KvBlockTable;
import dev.vllava.engine.RopeFrequencies;
import dev.vllava.engine.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CUDA implementation of {@link Engine}. Activations are F32 on the device (the interface's dtype:
 * no conversion at op boundaries, FP32 everywhere); weights stay in their stored dtype (F32 checkpoints
 * become F16 when {@link Options#f32WeightsToF16()}). Matmuls with 1..8 rows of F16/BF16 weights use the
 * 128-bit GEMV kernel (decode); everything else goes to cublasGemmEx with FP32 accumulation.
 * Activations and the KV cache live in a {@link DeviceArena}; the scratch of an operation (token ids,
 * decode partials, x converted for cuBLAS, a dequantized weight tile) is a {@link ReusedBlock}, so a decode step takes no arena block
 * and clears no memory. One stream orders everything.
 */
public final class CudaEngine implements Engine {
    private static final Logger LOG = LoggerFactory.getLogger(CudaEngine.class);
    private static final long CUBLAS_WORKSPACE_BYTES = 32L << 20;
    /** Decode attention (split-K) for at most this many query rows; longer ones use the tiled kernel. */
    static final int DECODE_MAX_QUERIES = 4;

    /**
     * @param device          CUDA device ordinal ({@code --device})
     * @param f32WeightsToF16 store F32 checkpoint weights as F16 (half the memory and decode time)
     * @param arenaChunkBytes size of each device chunk of the activation / KV-cache pool
     * @param quantizeAtLoad  {@code --weights q8|q4}: weights quantized on the host as they are placed, or null
     */
    public record Options(int device, boolean f32WeightsToF16, long arenaChunkBytes, LoadQuantization quantizeAtLoad) {
        public Options(int device, boolean f32WeightsToF16, long arenaChunkBytes) {
            this(device, f32WeightsToF16, arenaChunkBytes, null);
        }

        public static Options defaults() {
            return new Options(0, true, 512L << 20);
        }

        public Options withDevice(int ordinal) {
            return new Options(ordinal, f32WeightsToF16, arenaChunkBytes, quantizeAtLoad);
        }

        public Options withQuantizeAtLoad(LoadQuantization quantization) {
            return new Options(device, f32WeightsToF16, arenaChunkBytes, quantization);
        }
    }

    private final CudaDevice gpu;
    private final DeviceArena arena;
    private final FlashAttention attention;
    private final Cublas cublas;
    private final DeviceArena.Block workspace;
    private final DeviceArena.Block tokenSlot;
    private final ReusedBlock convertedX;
    private final ReusedBlock tokenIds;
    private final ReusedBlock dequantizedTile;
    private final List<Long> weightAllocations = new ArrayList<>();
    private final Map<RopeParameters, Long> ropeTables = new HashMap<>();
    private final Options options;
    private long weightBytes;
    private boolean warnedF32;

    private CudaEngine(CudaDevice gpu, Options options) {
        this.gpu = gpu;
        this.options = options;
        this.arena = new DeviceArena(new DeviceArena.ChunkSource() {
            @Override
            public long allocate(long bytes) {
                return gpu.allocate(bytes);
            }

            @Override
            public void free(long address) {
                gpu.free(address);
            }
        }, options.arenaChunkBytes());
        this.attention = new FlashAttention(gpu, arena);
        this.workspace = arena.allocate(CUBLAS_WORKSPACE_BYTES);
        this.tokenSlot = arena.allocate(16);
        this.convertedX = new ReusedBlock(arena);
        this.tokenIds = new ReusedBlock(arena);
        this.dequantizedTile = new ReusedBlock(arena);
        try {
            this.cublas = Cublas.open(CublasLibrary.system().require(), gpu.streamHandle(), workspace.address(), workspace.bytes());
        } catch (RuntimeException e) {
            arena.release();
            throw e;
        }
    }

    /**
     * Opens the GPU, loads the kernels and cuBLAS. Every reason it cannot (no driver, no device, driver
     * too old, kernels not built, cuBLAS missing, out of memory) is a one-line backendUnavailable.
     */
    public static CudaEngine open(Options options) {
        CudaDevice.checkDriverLibrary();
        PtxCatalog catalog = PtxCatalog.load();
        CudaDevice gpu;
        try {
            gpu = CudaDevice.open(options.device());
        } catch (LinkageError e) {
            throw VllavaException.backendUnavailable("the CUDA driver could not be loaded (%s)", e.getMessage());
        }
        try {
            gpu.loadModules(catalog);
            CudaEngine engine = new CudaEngine(gpu, options);
            LOG.info("CUDA device {}: {} (compute {}.{}, {} SMs, driver CUDA {})", gpu.ordinal, gpu.name,
                    gpu.computeCapability / 10, gpu.computeCapability % 10, gpu.multiprocessors, CudaDevice.version(gpu.driverVersion));
            return engine;
        } catch (RuntimeException e) {
            gpu.close();
            throw e;
        }
    }

    public static CudaEngine open(int device) {
        return open(Options.defaults().withDevice(device));
    }

    @Override
    public String name() {
        return "cuda";
    }

    /** "NVIDIA H100 80GB HBM3 (compute 9.0, 132 SMs)". */
    public String deviceDescription() {
        return String.format("%s (compute %d.%d, %d SMs)", gpu.name, gpu.computeCapability / 10, gpu.computeCapability % 10, gpu.multiprocessors);
    }

    CudaDevice device() {
        return gpu;
    }

    DeviceArena arena() {
        return arena;
    }

    Cublas cublas() {
        return cublas;
    }

    // ---- storage ------------------------------------------------------------------------------

    @Override
    public Tensor weight(TensorData data) {
        return weightRows(List.of(data));
    }

    @Override
    public Tensor weightRows(List<TensorData> stored) {
        if (options.quantizeAtLoad() != null) {
            // quantized on the host a weight at a time; the host copy goes once it is on the device
            try (Arena host = Arena.ofShared()) {
                return placeRows(stored.stream().map(w -> options.quantizeAtLoad().apply(w, host)).toList());
            }
        }
        return placeRows(stored);
    }

    /** The weight as this engine holds it: quantized parts as codes and scales, dense ones in their dtype. */
    private Tensor placeRows(List<TensorData> parts) {
        if (parts.stream().anyMatch(TensorData::isQuantized)) {
            return new CudaTensor(this, QuantizedCuda.DeviceWeight.uploadStacked(gpu, parts, this::allocateWeight));
        }
        long columns = parts.getFirst().columns();
        DType stored = parts.getFirst().dtype();
        long rows = 0;
        for (TensorData part : parts) {
            if (part.columns() != columns || part.dtype() != stored) {
                throw VllavaException.checkpoint("cannot stack %s with %s: columns or dtype differ", part, parts.getFirst());
            }
            rows += part.rows();
        }
        DType dtype = stored == DType.F32 && options.f32WeightsToF16() ? DType.F16 : stored;
        if (dtype != stored && !warnedF32) {
            LOG.warn("F32 weights ({} ...) are stored as F16 on the GPU (half the memory and bandwidth; FP32 math)", parts.getFirst().name());
            warnedF32 = true;
        }
        long address = allocateWeight(rows * columns * dtype.byteSize());
        long offset = 0;
        for (TensorData part : parts) {
            if (dtype == stored) {
                gpu.upload(address + offset, part.data());
            } else {
                uploadAsF16(address + offset, part.data());
            }
            offset += part.elementCount() * dtype.byteSize();
        }
        return new CudaTensor(this, address, Math.toIntExact(rows), Math.toIntExact(columns), Math.toIntExact(columns), dtype, null);
    }

    /** F32 host values → F16 device values, through a scratch block of at most 64 MiB of F32. */
    private void uploadAsF16(long target, MemorySegment f32Values) {
        long pieceBytes = Math.min(CudaDevice.STAGING_BYTES, f32Values.byteSize());
        DeviceArena.Block scratch = arena.allocate(pieceBytes);
        for (long done = 0; done < f32Values.byteSize(); done += pieceBytes) {
            long bytes = Math.min(pieceBytes, f32Values.byteSize() - done);
            gpu.upload(scratch.address(), f32Values.asSlice(done, bytes));
            long n = bytes / Float.BYTES;
            gpu.launch(gpu.function(Kernel.CONVERT_DENSE_TO_F16), Launch.linear(n), target + done / 2, scratch.address(), n);
        }
        arena.free(scratch);
    }

    /** A weight filled on the device with uniform values in [-scale, scale) (synthetic benchmarks). */
    public Tensor randomWeight(DType dtype, int rows, int columns, long seed, float scale) {
        long n = (long) rows * columns;
        long address = allocateWeight(n * dtype.byteSize());
        gpu.launch(gpu.function(Kernel.FILL_UNIFORM, dtype), Launch.linear(n), address, n, seed, scale);
        return new CudaTensor(this, address, rows, columns, columns, dtype, null);
    }

    private long allocateWeight(long bytes) {
        long address = gpu.allocate(Math.max(bytes, DeviceArena.ALIGNMENT));
        weightAllocations.add(address);
        weightBytes += bytes;
        return address;
    }

    @Override
    public Tensor allocate(int rows, int columns) {
        return allocate(rows, columns, DType.F32);
    }

    /** F32, or F16 for the KV cache ({@link #copy} converts into it, the attention kernels read it). */
    @Override
    public Tensor allocate(int rows, int columns, DType dtype) {
        if (dtype == DType.BF16) {
            throw new IllegalArgumentException("the CUDA engine stores no BF16 activations");
        }
        long bytes = (long) rows * columns * dtype.byteSize();
        DeviceArena.Block block = arena.allocate(bytes);
        gpu.memset(block.address(), bytes);
        return new CudaTensor(this, block.address(), rows, columns, columns, dtype, block);
    }

    /**
     * F16 (half the cache and half the attention's reads, as transformers keeps it in an FP16 model), except
     * for F32 weights kept F32 on the device ({@link Options#f32WeightsToF16()} off): that setting asks for
     * F32 arithmetic, and an F16 cache would move tiny-a's logits past the 1e-3 that F32 keeps.
     */
    @Override
    public DType kvCacheDtype(DType weights) {
        return weights == DType.F32 && !options.f32WeightsToF16() ? DType.F32 : DType.F16;
    }

    void release(DeviceArena.Block block) {
        arena.free(block);
    }

    @Override
    public Tensor upload(float[] values, int rows, int columns) {
        if (values.length != rows * columns) {
            throw new IllegalArgumentException(values.length + " values for " + rows + "x" + columns);
        }
        DeviceArena.Block block = arena.allocate((long) values.length * Float.BYTES);
        gpu.upload(block.address(), MemorySegment.ofArray(values));
        return new CudaTensor(this, block.address(), rows, columns, columns, DType.F32, block);
    }

    @Override
    public float[] download(Tensor tensor) {
        CudaTensor t = cuda(tensor);
        float[] values = new float[t.rows() * t.columns()];
        if (t.dtype() == DType.F32 && (t.rowStride() == t.columns() || t.rows() == 1)) {
            gpu.download(MemorySegment.ofArray(values), t.address);  // dense F32 (a step's logits): no host buffer in between
            return values;
        }
        try (Arena host = Arena.ofConfined()) {
            MemorySegment raw = host.allocate(Math.max(t.spanBytes(), 1), 16);
            gpu.download(raw.asSlice(0, t.spanBytes()), t.address);
            int bytes = t.dtype().byteSize();
            for (int r = 0; r < t.rows(); r++) {
                for (int c = 0; c < t.columns(); c++) {
                    long at = ((long) r * t.rowStride() + c) * bytes;
                    values[r * t.columns() + c] = switch (t.dtype()) {
                        case F32 -> raw.get(ValueLayout.JAVA_FLOAT_UNALIGNED, at);
                        case F16 -> Float.float16ToFloat(raw.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
                        case BF16 -> Float.intBitsToFloat(raw.get(ValueLayout.JAVA_SHORT_UNALIGNED, at) << 16);
                    };
                }
            }
        }
        return values;
    }

    @Override
    public void copy(Tensor dst, Tensor src) {
        CudaTensor out = cuda(dst);
        CudaTensor x = cuda(src);
        sameShape(out, x, "copy");
        Launch launch = Launch.elementwise(x.rows(), x.columns());
        if (out.dtype() == DType.F32 && x.dtype() == DType.F32) {
            gpu.launch(gpu.function(Kernel.COPY), launch, out.address, out.rowStride(), x.address, x.rowStride(), x.rows(), x.columns());
        } else if (out.dtype() == DType.F16 && x.dtype() == DType.F16) {
            gpu.launch(gpu.function(Kernel.COPY_F16), launch, out.address, out.rowStride(), x.address, x.rowStride(), x.rows(),
                    x.columns());
        } else if (out.dtype() == DType.F16 && x.dtype() == DType.F32 && out.rowStride() == out.columns()) {
            // into the KV cache: its rows (a block's, or a contiguous cache's) are dense
            gpu.launch(gpu.function(Kernel.CONVERT_TO_F16), launch, out.address, x.address, x.rowStride(), x.rows(), x.columns());
        } else {
            throw new IllegalArgumentException("copy of " + x + " into " + out + " is not supported");
        }
    }

    // ---- arithmetic ---------------------------------------------------------------------------

    @Override
    public void matmul(Tensor outTensor, Tensor xTensor, Tensor weightTensor, Tensor biasTensor) {
        gpu.ensureCurrent(); // cuBLAS binds the calling thread's current context: make it this device's
        CudaTensor out = f32(outTensor);
        CudaTensor x = f32(xTensor);
        CudaTensor w = cuda(weightTensor);
        int n = x.rows();
        int in = x.columns();
        int o = w.rows();
        if (w.columns() != in || out.rows() != n || out.columns() != o) {
            throw new IllegalArgumentException("matmul shapes: out " + out + ", x " + x + ", weight " + w);
        }
        if (n == 0) {
            return;
        }
        CudaTensor bias = biasTensor == null ? null : cuda(biasTensor);
        if (w.quantized != null) {
            quantizedMatmul(out, x, w.quantized);
            if (bias != null) {
                biasActivate(out, bias, -1);
            }
            return;
        }
        boolean biasFused = bias != null && bias.dtype() == w.dtype();
        if (w.dtype() != DType.F32 && Launch.gemvApplies(n, in, w.rowStride(), x.rowStride(), x.address, w.address)) {
            Kernel kernel = w.dtype() == DType.F16 ? Kernel.GEMV_F16 : Kernel.GEMV_BF16;
            gpu.launch(gpu.function(kernel), Launch.gemv(o), out.address, out.rowStride(), x.address, x.rowStride(),
                    w.address, w.rowStride(), biasFused ? bias.address : 0L, n, o, in);
            if (bias != null && !biasFused) {
                biasActivate(out, bias, -1);
            }
            return;
        }
        if (w.dtype() == DType.F32) {
            cublas.linear(out.address, out.rowStride(), x.address, x.rowStride(), w.address, w.rowStride(),
                    Cublas.CUDA_R_32F, n, o, in, false);
        } else {
            // cuBLAS takes A and B in one type: x goes to the weight's type in a dense scratch block.
            long converted = convertedX.address((long) n * in * 2);
            Kernel convert = w.dtype() == DType.F16 ? Kernel.CONVERT_TO_F16 : Kernel.CONVERT_TO_BF16;
            gpu.launch(gpu.function(convert), Launch.elementwise(n, in), converted, x.address, x.rowStride(), n, in);
            cublas.linear(out.address, out.rowStride(), converted, in, w.address, w.rowStride(),
                    Cublas.dataType(w.dtype()), n, o, in, false);
        }
        if (bias != null) {
            biasActivate(out, bias, -1);
        }
    }

    /** Dequantized weight rows per prefill tile: a 32 MiB F16 tile (about 4,096 rows of a 4,096-wide weight). */
    private static final long DEQUANTIZED_TILE_BYTES = 32L << 20;

    /**
     * {@code out = x · wᵀ} on quantized weights: the dequantizing GEMV for up to
     * {@link Launch#GEMV_MAX_BATCH} aligned rows (decode reads only the codes), else tiles of weight rows
     * dequantized into F16 and multiplied by cuBLAS against x converted to F16 once (prefill).
     */
    private void quantizedMatmul(CudaTensor out, CudaTensor x, QuantizedCuda.DeviceWeight w) {
        int n = x.rows();
        int in = x.columns();
        int o = out.columns();
        if (n <= Launch.GEMV_MAX_BATCH && x.rowStride() % 4 == 0 && x.address % 16 == 0) {
            QuantizedCuda.gemv(gpu, out.address, out.rowStride(), x.address, x.rowStride(), n, w);
            return;
        }
        long xHalf = convertedX.address((long) n * in * 2);
        gpu.launch(gpu.function(Kernel.CONVERT_TO_F16), Launch.elementwise(n, in), xHalf, x.address, x.rowStride(), n, in);
        int tileRows = (int) Math.max(1, Math.min(o, DEQUANTIZED_TILE_BYTES / (2L * in)));
        long tile = dequantizedTile.address((long) tileRows * in * 2);
        for (int first = 0; first < o; first += tileRows) {
            int rows = Math.min(tileRows, o - first);
            QuantizedCuda.dequantizeToF16(gpu, tile, w, first, rows);
            cublas.linear(out.address + (long) first * Float.BYTES, out.rowStride(), xHalf, in, tile, in,
                    Cublas.dataType(DType.F16), n, rows, in, false);
        }
    }

    /** The product without bias, then bias and activation in one pass. */
    @Override
    public void matmulActivate(Tensor out, Tensor x, Tensor weight, Tensor bias, Activation fn) {
        matmul(out, x, weight, null);
        biasActivate(out, bias, fn.ordinal());
    }

    /** {@code x ← fn(x + bias)} (fn -1: bias only) in one pass; the fused form of matmul bias + activation. */
    public void biasActivate(Tensor xTensor, Tensor biasTensor, int activationOrdinal) {
        CudaTensor x = f32(xTensor);
        CudaTensor bias = biasTensor == null ? null : cuda(biasTensor);
        DType biasType = bias == null ? DType.F32 : bias.dtype();
        gpu.launch(gpu.function(Kernel.BIAS_ACTIVATE, biasType), Launch.elementwise(x.rows(), x.columns()),
                x.address, x.rowStride(), bias == null ? 0L : bias.address, x.rows(), x.columns(), activationOrdinal);
    }

    @Override
    public void add(Tensor outTensor, Tensor aTensor, Tensor bTensor) {
        CudaTensor out = f32(outTensor);
        CudaTensor a = f32(aTensor);
        CudaTensor b = f32(bTensor);
        sameShape(out, a, "add");
        sameShape(out, b, "add");
        gpu.launch(gpu.function(Kernel.ADD), Launch.elementwise(out.rows(), out.columns()),
                out.address, out.rowStride(), a.address, a.rowStride(), b.address, b.rowStride(), out.rows(), out.columns());
    }

    @Override
    public void rmsNorm(Tensor outTensor, Tensor xTensor, Tensor weightTensor, float eps) {
        rmsNormResidual(outTensor, null, xTensor, weightTensor, eps);
    }

    /** One kernel pass instead of an add and a norm. */
    @Override
    public void addRmsNorm(Tensor out, Tensor residual, Tensor delta, Tensor weight, float eps) {
        rmsNormResidual(out, residual, delta, weight, eps);
    }

    /**
     * The fused residual form: {@code residual ← residual + x; out = rmsNorm(residual)} (residual null: plain
     * RMSNorm of x). One pass instead of an add and a norm.
     */
    public void rmsNormResidual(Tensor outTensor, Tensor residualTensor, Tensor xTensor, Tensor weightTensor, float eps) {
        CudaTensor out = f32(outTensor);
        CudaTensor x = f32(xTensor);
        CudaTensor residual = residualTensor == null ? null : f32(residualTensor);
        CudaTensor w = cuda(weightTensor);
        sameShape(out, x, "rmsNorm");
        if (x.rows() == 0) {
            return;
        }
        gpu.launch(gpu.function(Kernel.RMS_NORM, w.dtype()), Launch.perRow(x.rows()), out.address, out.rowStride(),
                x.address, x.rowStride(), residual == null ? 0L : residual.address, residual == null ? 0 : residual.rowStride(),
                w.address, x.columns(), eps);
    }

    @Override
    public void layerNorm(Tensor outTensor, Tensor xTensor, Tensor weightTensor, Tensor biasTensor, float eps) {
        CudaTensor out = f32(outTensor);
        CudaTensor x = f32(xTensor);
        CudaTensor w = cuda(weightTensor);
        CudaTensor b = cuda(biasTensor);
        sameShape(out, x, "layerNorm");
        if (w.dtype() != b.dtype()) {
            throw new IllegalArgumentException("layerNorm weight " + w.dtype() + " and bias " + b.dtype() + " differ");
        }
        if (x.rows() == 0) {
            return;
        }
        gpu.launch(gpu.function(Kernel.LAYER_NORM, w.dtype()), Launch.perRow(x.rows()), out.address, out.rowStride(),
                x.address, x.rowStride(), w.address, b.address, x.columns(), eps);
    }

    @Override
    public void activate(Tensor x, Activation fn) {
        biasActivate(x, null, fn.ordinal());
    }

    @Override
    public void siluGate(Tensor outTensor, Tensor gateTensor, Tensor upTensor) {
        CudaTensor out = f32(outTensor);
        CudaTensor gate = f32(gateTensor);
        CudaTensor up = f32(upTensor);
        sameShape(out, gate, "siluGate");
        sameShape(out, up, "siluGate");
        gpu.launch(gpu.function(Kernel.SILU_GATE), Launch.elementwise(out.rows(), out.columns()), out.address, out.rowStride(),
                gate.address, gate.rowStride(), up.address, up.rowStride(), out.rows(), out.columns());
    }

    @Override
    public void rope(Tensor xTensor, int heads, int headDim, int firstPosition, double theta) {
        CudaTensor x = f32(xTensor);
        if (heads * headDim > x.columns() || headDim % 2 != 0) {
            throw new IllegalArgumentException("rope: " + heads + " heads of " + headDim + " on " + x);
        }
        if (x.rows() == 0) {
            return;
        }
        gpu.launch(gpu.function(Kernel.ROPE), Launch.perRow(x.rows()), x.address, x.rowStride(), heads, headDim,
                firstPosition, ropeTable(headDim, theta));
    }

    /**
     * The device copy of {@link RopeFrequencies#inverse}, uploaded on the first rotation with these
     * parameters and kept with the weights (a model has one or two).
     */
    private long ropeTable(int headDim, double theta) {
        return ropeTables.computeIfAbsent(new RopeParameters(headDim, theta), key -> {
            float[] inverse = RopeFrequencies.inverse(headDim, theta);
            long address = allocateWeight((long) inverse.length * Float.BYTES);
            gpu.upload(address, MemorySegment.ofArray(inverse));
            return address;
        });
    }

    private record RopeParameters(int headDim, double theta) {}

    @Override
    public void attention(Tensor out, Tensor q, Tensor k, Tensor v, AttentionShape shape) {
        attention.contiguous(f32(out), f32(q), cuda(k), cuda(v), shape);
    }

    /** The paged kernels read the blocks in place through the uploaded table: no gathered copy. */
    @Override
    public void attention(Tensor out, Tensor q, KvBlockTable kv, AttentionShape shape) {
        DeviceBlockTable table = DeviceBlockTable.of(kv.keys().stream().map(this::cuda).toList(),
                kv.values().stream().map(this::cuda).toList(), kv.blockRows(), kv.rows(), shape.kvHeads() * shape.headDim());
        attention.paged(f32(out), f32(q), table, kv.rows(), shape);
    }

    @Override
    public void attentionProbabilities(Tensor out, Tensor q, Tensor k, int queryRow, AttentionShape shape) {
        AttentionRowProbabilities.launch(gpu, f32(out), f32(q), f32(k), queryRow, shape);
    }

    @Override
    public void embed(Tensor outTensor, Tensor tableTensor, int[] ids) {
        CudaTensor out = f32(outTensor);
        CudaTensor table = cuda(tableTensor);
        for (int id : ids) {
            if (id < 0 || id >= table.rows()) {
                throw new IllegalArgumentException("token id " + id + " outside the embedding table of " + table.rows() + " rows");
            }
        }
        if (ids.length == 0) {
            return;
        }
        long idAddress = tokenIds.address((long) ids.length * Integer.BYTES);
        gpu.upload(idAddress, MemorySegment.ofArray(ids));
        gpu.launch(gpu.function(Kernel.EMBED, table.dtype()), Launch.perRow(ids.length), out.address, out.rowStride(),
                table.address, table.rowStride(), idAddress, table.columns());
    }

    @Override
    public int argmax(Tensor rowTensor) {
        CudaTensor row = f32(rowTensor);
        gpu.launch(gpu.function(Kernel.ARGMAX), Launch.sample(), tokenSlot.address(), row.address, row.columns());
        return readToken();
    }

    /** Temperature sampling on the device with the host's uniform draw {@code u} in [0, 1). */
    public int sample(Tensor rowTensor, float temperature, float u) {
        CudaTensor row = f32(rowTensor);
        gpu.launch(gpu.function(Kernel.SAMPLE), Launch.sample(), tokenSlot.address(), row.address, row.columns(), temperature, u);
        return readToken();
    }

    private int readToken() {
        int[] token = new int[1];
        gpu.download(MemorySegment.ofArray(token), tokenSlot.address());
        return token[0];
    }

    /** Waits for every queued operation (timing, and before reading results some other way). */
    public void synchronize() {
        gpu.synchronize();
    }

    /** Up to {@link Launch#GEMV_MAX_BATCH} rows each row is its own GEMV (decode); more rows go to cuBLAS. */
    @Override
    public int rowIndependentMatmulRows() {
        return Launch.GEMV_MAX_BATCH;
    }

    /** The at-load quantization's whole value (as the CPU engine gives it), or "" for none. */
    @Override
    public String weightsAtLoad() {
        return options.quantizeAtLoad() == null ? "" : options.quantizeAtLoad().toString();
    }

    @Override
    public MemoryUse memoryUse() {
        return new MemoryUse(arena.usedBytes() + weightBytes, arena.peakBytes() + weightBytes);
    }

    @Override
    public void close() {
        gpu.synchronize();
        cublas.close();
        List.of(convertedX, tokenIds, dequantizedTile).forEach(ReusedBlock::release);
        attention.release();
        arena.release();
        for (long address : weightAllocations) {
            gpu.free(address);
        }
        weightAllocations.clear();
        gpu.close();
    }

    // ---- helpers --------------------------------------------------------------------------------

    private CudaTensor cuda(Tensor tensor) {
        if (!(tensor instanceof CudaTensor t) || t.engine != this) {
            throw new IllegalArgumentException("tensor " + tensor + " does not belong to this CUDA engine");
        }
        return t;
    }

    private CudaTensor f32(Tensor tensor) {
        CudaTensor t = cuda(tensor);
        if (t.dtype() != DType.F32) {
            throw new IllegalArgumentException("activation " + t + " must be F32");
        }
        return t;
    }

    private static void sameShape(Tensor a, Tensor b, String op) {
        if (a.rows() != b.rows() || a.columns() != b.columns()) {
            throw new IllegalArgumentException(op + ": shapes differ, " + a + " vs " + b);
        }
    }
}
