package dev.vllava.cuda;

import dev.vllava.checkpoint.DType;
import dev.vllava.engine.AttentionShape;
import java.lang.foreign.MemorySegment;

/**
 * {@link CudaEngine}'s attention launches (attention.cu): decode rows (at most {@link
 * CudaEngine#DECODE_MAX_QUERIES} queries over more than 4 key tiles) go to the split-K {@code flash_decode}
 * and {@code attention_combine}, everything else to the tiled {@code flash_attention}. Keys and values are
 * either row-strided tensors or a paged cache's blocks read through a {@link DeviceBlockTable}; the kernels
 * of both kinds take their four K/V arguments in the same place, so one launch path serves both; each comes
 * in the K/V dtype ({@code _f32}, {@code _f16}). Their scratch (the block table, the split-K partials) is
 * {@link ReusedBlock}s: a decode step takes nothing from the arena.
 */
final class FlashAttention {
    private final CudaDevice gpu;
    private final ReusedBlock blockTable;
    private final ReusedBlock partialOutputs;
    private final ReusedBlock partialMaxSums;

    FlashAttention(CudaDevice gpu, DeviceArena arena) {
        this.gpu = gpu;
        this.blockTable = new ReusedBlock(arena);
        this.partialOutputs = new ReusedBlock(arena);
        this.partialMaxSums = new ReusedBlock(arena);
    }

    /** Over row-strided keys and values of one dtype (F32 activations, or an F16 cache). */
    void contiguous(CudaTensor out, CudaTensor q, CudaTensor k, CudaTensor v, AttentionShape shape) {
        if (k.dtype() != v.dtype()) {
            throw new IllegalArgumentException("attention keys " + k + " and values " + v + " differ in dtype");
        }
        launch(out, q, k.rows(), shape, k.dtype(), false, k.address, k.rowStride(), v.address, v.rowStride());
    }

    /** Over a paged cache's blocks: the table is uploaded (2 × blocks addresses) and read by the kernels in place. */
    void paged(CudaTensor out, CudaTensor q, DeviceBlockTable table, int keys, AttentionShape shape) {
        long addresses = blockTable.address((long) table.addresses().length * Long.BYTES);
        gpu.upload(addresses, MemorySegment.ofArray(table.addresses()));
        launch(out, q, keys, shape, table.dtype(), true, addresses, addresses + table.valuesOffset(), table.blockRows(), table.rowStride());
    }

    /** Gives the scratch blocks back to the arena (the engine closes). */
    void release() {
        blockTable.release();
        partialOutputs.release();
        partialMaxSums.release();
    }

    /** {@code kv0..kv3}: (k, k stride, v, v stride) or (k table, v table, block rows, row stride). */
    private void launch(CudaTensor out, CudaTensor q, int nk, AttentionShape shape, DType kvDtype, boolean paged, Object kv0,
                        Object kv1, Object kv2, Object kv3) {
        int nq = q.rows();
        if (nq == 0) {
            return;
        }
        float scale = (float) (1.0 / Math.sqrt(shape.headDim()));
        boolean wide = Launch.attentionMaxHeadDim(shape.headDim()) == 128;
        int causal = shape.causal() ? 1 : 0;
        if (nq <= CudaEngine.DECODE_MAX_QUERIES && nk > Launch.KEY_TILE * 4) {
            Launch.DecodeSplit split = Launch.flashDecode(nk, shape.heads(), nq, gpu.multiprocessors);
            long slots = Launch.flashDecodeMaxSlots(shape.heads(), CudaEngine.DECODE_MAX_QUERIES, gpu.multiprocessors); // sized once, not per context
            long partialO = partialOutputs.address(slots * shape.headDim() * Float.BYTES);
            long partialMl = partialMaxSums.address(slots * 2 * Float.BYTES);
            gpu.launch(gpu.function(Kernel.flashDecode(wide, paged), kvDtype), split.launch(), partialO,
                    partialMl, q.address, q.rowStride(), kv0, kv1, kv2, kv3, nq, nk, shape.heads(),
                    shape.kvHeads(), shape.headDim(), causal, shape.queryOffset(), scale, split.chunk());
            gpu.launch(gpu.function(Kernel.ATTENTION_COMBINE), Launch.attentionCombine(shape.heads(), nq), out.address,
                    out.rowStride(), partialO, partialMl, shape.heads(), shape.headDim(), split.splits());
            return;
        }
        gpu.launch(gpu.function(Kernel.flashAttention(wide, paged), kvDtype), Launch.flashAttention(nq, shape.heads(), shape.headDim()),
                out.address, out.rowStride(), q.address, q.rowStride(), kv0, kv1, kv2, kv3, nq, nk, shape.heads(),
                shape.kvHeads(), shape.headDim(), causal, shape.queryOffset(), scale);
    }
}
