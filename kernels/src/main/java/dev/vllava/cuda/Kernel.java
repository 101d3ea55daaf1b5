package dev.vllava.cuda;

import dev.vllava.checkpoint.DType;
import java.util.ArrayList;
import java.util.List;

/**
 * Every kernel the CUDA engine launches: the PTX module (file {@code <module>.ptx}) and the entry name.
 * Kernels whose weight argument comes in the checkpoint's dtype (or, for attention, whose keys and values
 * come in the KV cache's) exist once per storage type, with the suffix {@code _f32}, {@code _f16} or {@code _bf16}. {@code PtxCatalogTest} checks each entry against
 * the compiled PTX, so a renamed kernel fails the build instead of the first GPU run.
 */
public enum Kernel {
    ADD("elementwise", "add_f32"),
    COPY("elementwise", "copy_f32"),
    COPY_F16("elementwise", "copy_f16"),
    BIAS_ACTIVATE("elementwise", "bias_activate", true),
    SILU_GATE("elementwise", "silu_gate_f32"),
    CONVERT_TO_F16("elementwise", "convert_f32_to_f16"),
    CONVERT_TO_BF16("elementwise", "convert_f32_to_bf16"),
    CONVERT_DENSE_TO_F16("elementwise", "convert_dense_f32_to_f16"),
    FILL_UNIFORM("elementwise", "fill_uniform", true),
    RMS_NORM("norm", "rms_norm", true),
    LAYER_NORM("norm", "layer_norm", true),
    ROPE("rope", "rope_f32"),
    EMBED("embed", "embed", true),
    PATCH_IM2COL("embed", "patch_im2col_f32"),
    PATCH_POSITIONS("embed", "patch_positions", true),
    // attention: one variant per KV dtype (the cache's; F32 for the vision tower's activations)
    FLASH_ATTENTION_64("attention", "flash_attention_d64", true),
    FLASH_ATTENTION_128("attention", "flash_attention_d128", true),
    FLASH_ATTENTION_PAGED_64("attention", "flash_attention_paged_d64", true),
    FLASH_ATTENTION_PAGED_128("attention", "flash_attention_paged_d128", true),
    FLASH_DECODE_64("attention", "flash_decode_d64", true),
    FLASH_DECODE_128("attention", "flash_decode_d128", true),
    FLASH_DECODE_PAGED_64("attention", "flash_decode_paged_d64", true),
    FLASH_DECODE_PAGED_128("attention", "flash_decode_paged_d128", true),
    ATTENTION_COMBINE("attention", "attention_combine"),
    ATTENTION_ROW_PROBABILITIES("attention_probs", "attention_row_probs"),
    GEMV_F16("gemv", "gemv_f16"),
    GEMV_BF16("gemv", "gemv_bf16"),
    // quantized weights: one variant per scale dtype (QuantizedCuda)
    GEMV_Q8("quantized", "gemv_q8", true),
    GEMV_Q4("quantized", "gemv_q4", true),
    DEQUANTIZE_Q8_TO_F16("quantized", "dequantize_q8_to_f16", true),
    DEQUANTIZE_Q4_TO_F16("quantized", "dequantize_q4_to_f16", true),
    ARGMAX("sample", "argmax_f32"),
    SAMPLE("sample", "sample_f32");

    private final String module;
    private final String entry;
    private final boolean perWeightType;

    Kernel(String module, String entry) {
        this(module, entry, false);
    }

    Kernel(String module, String entry, boolean perWeightType) {
        this.module = module;
        this.entry = entry;
        this.perWeightType = perWeightType;
    }

    /** The tiled attention instance: head dims up to 128 ({@code wide}) or 64, over strided or {@code paged} K/V. */
    static Kernel flashAttention(boolean wide, boolean paged) {
        return paged ? (wide ? FLASH_ATTENTION_PAGED_128 : FLASH_ATTENTION_PAGED_64)
                : (wide ? FLASH_ATTENTION_128 : FLASH_ATTENTION_64);
    }

    /** The split-K decode instance, as {@link #flashAttention}. */
    static Kernel flashDecode(boolean wide, boolean paged) {
        return paged ? (wide ? FLASH_DECODE_PAGED_128 : FLASH_DECODE_PAGED_64) : (wide ? FLASH_DECODE_128 : FLASH_DECODE_64);
    }

    public String module() {
        return module;
    }

    /** The entry of a kernel that has one variant. */
    public String entry() {
        if (perWeightType) {
            throw new IllegalStateException(this + " has one entry per weight dtype");
        }
        return entry;
    }

    /** The entry for weights stored as {@code dtype} (the plain entry for single-variant kernels). */
    public String entry(DType dtype) {
        return perWeightType ? entry + "_" + dtype.name().toLowerCase(java.util.Locale.ROOT) : entry;
    }

    /** Every entry name this kernel contributes (three for per-dtype kernels). */
    public List<String> entries() {
        if (!perWeightType) {
            return List.of(entry);
        }
        List<String> names = new ArrayList<>();
        for (DType dtype : DType.values()) {
            names.add(entry(dtype));
        }
        return names;
    }
}
