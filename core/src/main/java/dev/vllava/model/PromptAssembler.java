package dev.vllava.model;

import dev.vllava.VllavaException;
import dev.vllava.config.VideoLlavaConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code VideoLlavaProcessor}'s expansion on token ids: each {@code <image>} id becomes
 * {@link VideoLlavaConfig#tokensPerImage()} copies and each {@code <video>} id
 * {@code frames × tokensPerFrame} copies, so that the runs of placeholder ids are exactly where the
 * projected features go (in order: images fill the image runs, videos the video runs).
 */
public final class PromptAssembler {
    private final VideoLlavaConfig config;
    private final VisualTokenBudget visualTokens;

    public PromptAssembler(VideoLlavaConfig config) {
        this(config, VisualTokenBudget.ALL);
    }

    /** Placeholders expand to the token counts {@code visualTokens} leaves per image and per frame. */
    public PromptAssembler(VideoLlavaConfig config, VisualTokenBudget visualTokens) {
        this.config = config;
        this.visualTokens = visualTokens;
    }

    /** A run of identical placeholder ids in the expanded prompt. */
    public record VisualRun(int tokenId, int start, int length) {}

    /** The ids the language model reads, with the runs that visual features replace. */
    public record AssembledPrompt(int[] inputIds, List<VisualRun> runs) {
        public int length() {
            return inputIds.length;
        }

        public int visualTokens() {
            return runs.stream().mapToInt(VisualRun::length).sum();
        }

        /** The ids from {@code start} on: a tail that follows a prefix holding every visual run. */
        AssembledPrompt from(int start) {
            if (visualEnd() > start) {
                throw new IllegalArgumentException("a prompt tail from " + start + " would hold visual tokens");
            }
            return new AssembledPrompt(Arrays.copyOfRange(inputIds, start, inputIds.length), List.of());
        }

        /** The end of the last visual run: where the text after every image and video starts (0 without media). */
        public int visualEnd() {
            return runs.stream().mapToInt(r -> r.start() + r.length()).max().orElse(0);
        }

        /** The same prompt after one more leading id (a dialogue's pending answer token). */
        AssembledPrompt after(int firstId) {
            int[] ids = new int[inputIds.length + 1];
            ids[0] = firstId;
            System.arraycopy(inputIds, 0, ids, 1, inputIds.length);
            return new AssembledPrompt(ids, runs.stream().map(r -> new VisualRun(r.tokenId(), r.start() + 1, r.length())).toList());
        }
    }

    /** {@link #assemble(int[], int, List)} for the media given with a prompt: an image input of n frames fills n {@code <image>} placeholders, a video one {@code <video>}. */
    public AssembledPrompt assemble(int[] ids, List<VisualInput> media) {
        int images = 0;
        List<Integer> videoFrames = new ArrayList<>();
        for (VisualInput input : media) {
            if (input.kind() == MediaKind.IMAGE) {
                images += input.frames();
            } else {
                videoFrames.add(input.frames());
            }
        }
        return assemble(ids, images, videoFrames);
    }

    /**
     * @param ids         the tokenized prompt, placeholders as single ids
     * @param images      images given with the prompt, in order
     * @param videoFrames frames of each video given, in order
     */
    public AssembledPrompt assemble(int[] ids, int images, List<Integer> videoFrames) {
        int imagePlaceholders = count(ids, config.imageTokenIndex());
        int videoPlaceholders = count(ids, config.videoTokenIndex());
        if (imagePlaceholders != images || videoPlaceholders != videoFrames.size()) {
            throw VllavaException.usage("the prompt has %d <image> and %d <video> placeholders but %d image(s) and %d video(s) were given",
                    imagePlaceholders, videoPlaceholders, images, videoFrames.size());
        }
        List<Integer> expanded = new ArrayList<>(ids.length);
        List<VisualRun> runs = new ArrayList<>();
        int video = 0;
        for (int id : ids) {
            int copies = 1;
            if (id == config.imageTokenIndex()) {
                copies = visualTokens.imageTokens(config);
            } else if (id == config.videoTokenIndex()) {
                copies = videoFrames.get(video++) * visualTokens.frameTokens(config);
            }
            if (copies > 1 || isPlaceholder(id)) {
                VisualRun last = runs.isEmpty() ? null : runs.getLast();
                if (last != null && last.tokenId() == id && last.start() + last.length() == expanded.size()) {
                    runs.set(runs.size() - 1, new VisualRun(id, last.start(), last.length() + copies));
                } else {
                    runs.add(new VisualRun(id, expanded.size(), copies));
                }
            }
            for (int i = 0; i < copies; i++) {
                expanded.add(id);
            }
        }
        return new AssembledPrompt(expanded.stream().mapToInt(Integer::intValue).toArray(), List.copyOf(runs));
    }

    boolean isPlaceholder(int id) {
        return id == config.imageTokenIndex() || id == config.videoTokenIndex();
    }

    private static int count(int[] ids, int id) {
        int n = 0;
        for (int value : ids) {
            if (value == id) {
                n++;
            }
        }
        return n;
    }
}
