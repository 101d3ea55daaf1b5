#!/usr/bin/env python3
"""The Hugging Face peer of `vllava bench --backend cuda`: transformers' VideoLlavaForConditionalGeneration
with random FP16 weights at the Video-LLaVA-7B-hf shapes (config built in code, nothing downloaded), sdpa
attention. Measures, like CudaBench: vision encode (video tower + projector, 8 frames), TTFT (pixel values
+ ~40 text tokens -> first token: vision + prefill of 2056 visual + text tokens), and greedy decode
tokens/s. Prints JSON; with --compare OURS.json also prints a side-by-side table (ours, HF, ratio).

    python3 bench/hf_peer.py [--decode-tokens 64] [--json-out hf.json] [--compare ours.json]
"""
import argparse
import json
import sys
import time


def seven_b_config():
    from transformers import CLIPVisionConfig, LlamaConfig, VideoLlavaConfig
    vision = CLIPVisionConfig(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24, num_attention_heads=16,
                              image_size=224, patch_size=14, hidden_act="quick_gelu", projection_dim=768)
    text = LlamaConfig(vocab_size=32064, hidden_size=4096, intermediate_size=11008, num_hidden_layers=32,
                       num_attention_heads=32, num_key_value_heads=32, rms_norm_eps=1e-5, rope_theta=10000.0,
                       max_position_embeddings=4096)
    return VideoLlavaConfig(vision_config=vision, text_config=text, image_token_index=32000, video_token_index=32001,
                            projector_hidden_act="gelu", vision_feature_layer=-2,
                            vision_feature_select_strategy="default", image_seq_length=256, video_seq_length=2056,
                            pad_token_id=32002)


def best_ms(fn, reps, sync):
    best = float("inf")
    for _ in range(reps):
        sync()
        start = time.perf_counter()
        fn()
        sync()
        best = min(best, (time.perf_counter() - start) * 1000)
    return best


def measure(decode_tokens, frames, text_tokens):
    import torch
    import transformers
    from transformers import VideoLlavaForConditionalGeneration
    torch.manual_seed(0)
    config = seven_b_config()
    config._attn_implementation = "sdpa"
    start = time.perf_counter()
    torch.set_default_dtype(torch.float16)
    with torch.device("cuda"):
        model = VideoLlavaForConditionalGeneration(config)
    torch.set_default_dtype(torch.float32)
    model = model.half().eval()
    build_s = time.perf_counter() - start
    sync = torch.cuda.synchronize

    video_tokens = frames * 257
    before = 5  # "USER:" and friends precede <video>, the question and "ASSISTANT:" follow
    ids = torch.randint(3, 32000, (1, before + video_tokens + text_tokens - before), device="cuda")
    ids[0, 0] = 1
    ids[0, before:before + video_tokens] = config.video_token_index
    mask = torch.ones_like(ids)
    pixels = torch.randn(1, frames, 3, 224, 224, device="cuda", dtype=torch.float16)

    def vision():
        try:
            model.get_video_features(pixel_values_videos=pixels, vision_feature_layer=-2)
        except TypeError:
            model.model.get_video_features(pixel_values_videos=pixels, vision_feature_layer=-2)

    def first_token():
        out = model(input_ids=ids, attention_mask=mask, pixel_values_videos=pixels, use_cache=True)
        return out.logits[:, -1].argmax(-1)

    def generate(n):
        return model.generate(input_ids=ids, attention_mask=mask, pixel_values_videos=pixels, do_sample=False,
                              max_new_tokens=n, min_new_tokens=n, pad_token_id=config.pad_token_id)

    with torch.inference_mode():
        generate(2)  # warm-up: cuBLAS heuristics, allocator
        try:
            vision_ms = best_ms(vision, 3, sync)
        except Exception as e:  # API differences between transformers versions: report, do not fail
            print(f"hf_peer: vision timing skipped: {e}", file=sys.stderr)
            vision_ms = -1
        ttft_ms = best_ms(first_token, 3, sync)
        total_ms = best_ms(lambda: generate(decode_tokens), 1, sync)
    decode_ms = (total_ms - ttft_ms) / (decode_tokens - 1)
    return {
        "device": torch.cuda.get_device_name(), "torch": torch.__version__, "transformers": transformers.__version__,
        "attention": "sdpa", "dtype": "float16", "buildSeconds": round(build_s, 1), "promptTokens": ids.shape[1],
        "visionMs": vision_ms, "ttftMs": ttft_ms, "prefillMs": ttft_ms - vision_ms if vision_ms > 0 else -1,
        "decodeMsPerToken": decode_ms, "decodeTokensPerSecond": 1000.0 / decode_ms,
        "peakGpuBytes": torch.cuda.max_memory_allocated(),
    }


ROWS = [("vision encode, ms", "visionMs", False), ("prefill, ms", "prefillMs", False), ("TTFT, ms", "ttftMs", False),
        ("decode, ms/token", "decodeMsPerToken", False), ("decode, tokens/s", "decodeTokensPerSecond", True),
        ("peak GPU memory, GiB", "peakGpuBytes", False)]


def table(ours, hf):
    lines = [f"{'':24}{'vllava':>12}{'HF':>12}{'ratio':>12}"]
    for label, key, higher_better in ROWS:
        a, b = ours.get(key, -1), hf.get(key, -1)
        if key == "peakGpuBytes":
            a, b = a / 2**30, b / 2**30
        ratio = (a / b if higher_better else b / a) if a and b and a > 0 and b > 0 else float("nan")
        lines.append(f"{label:24}{a:12.2f}{b:12.2f}{ratio:12.2f}")
    lines.append("ratio > 1: vllava is faster (or smaller)")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--decode-tokens", type=int, default=64)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--text-tokens", type=int, default=40)
    parser.add_argument("--json-out")
    parser.add_argument("--compare", help="vllava's bench JSON (CudaBench report)")
    args = parser.parse_args()
    try:
        import torch
        if not torch.cuda.is_available():
            raise RuntimeError("torch sees no CUDA device")
    except (ImportError, RuntimeError) as e:
        # 5 = "the requested backend is unavailable", as vllava and CudaBench exit without a GPU.
        print(f"hf_peer: no GPU peer here: {e}", file=sys.stderr)
        sys.exit(5)
    result = measure(args.decode_tokens, args.frames, args.text_tokens)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json_out:
        with open(args.json_out, "w") as f:
            f.write(text + "\n")
    if args.compare:
        with open(args.compare) as f:
            print(table(json.load(f), result))


if __name__ == "__main__":
    main()
