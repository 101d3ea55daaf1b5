package dev.vllava.media;

import dev.vllava.VllavaException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * Decodes the frames of a video that the model sees: {@code count} frames at
 * {@link FrameSampler#uniformIndices} of the decoded frame sequence, as RGB24 converted like PyAV's
 * {@code to_ndarray(format='rgb24')}, turned upright ({@link Rotation}).
 *
 * <p>The reference decodes every frame. Here the packets are first read without decoding (cheap): their
 * sorted presentation timestamps predict the decoded sequence, so a decoder can seek to the keyframe
 * before each sampled frame and decode only from there (one decoder per keyframe, in parallel). The prediction is checked against what decodes:
 * the first decoded frame must be the earliest packet, every decoded frame must be a predicted one, frames
 * decoded one after another must be consecutive in the prediction, each sampled frame must appear with its
 * exact timestamp, and nothing may decode after the last one. Any disagreement (or a stream without
 * timestamps) falls back to decoding everything, counting, and decoding again for the sampled frames.
 * Frames the decoder drops between two seek points without being decoded here would go unnoticed.
 *
 * <p>Thread-safe: every call opens its own FFmpeg contexts.
 */
public final class VideoDecoder {
    private static final int SEEK_RETRIES = 3;

    private VideoDecoder() {
    }

    /** The {@code count} sampled frames of {@code file}, seeking where the container allows it. */
    public static DecodedVideo sample(Path file, int count) {
        checkCount(count);
        MediaFiles.checkReadable(file);
        try (FfmpegVideo scan = FfmpegVideo.open(file, 1)) {
            List<FfmpegVideo.PacketInfo> packets = scan.packetTimestamps();
            if (packets != null && !packets.isEmpty()) {
                long[] pts = packets.stream().mapToLong(FfmpegVideo.PacketInfo::pts).sorted().toArray();
                long[] keys = packets.stream().filter(FfmpegVideo.PacketInfo::key)
                        .mapToLong(FfmpegVideo.PacketInfo::pts).sorted().toArray();
                if (strictlyIncreasing(pts) && keys.length > 0) {
                    DecodedVideo seeked = seekAndDecode(scan, pts, keys, count);
                    if (seeked != null) {
                        return seeked;
                    }
                }
            }
        }
        return decodeAll(file, count);
    }

    /** The {@code count} sampled frames of {@code file}, decoding every frame (the reference's way). */
    public static DecodedVideo decodeAll(Path file, int count) {
        checkCount(count);
        MediaFiles.checkReadable(file);
        int total = 0;
        try (FfmpegVideo video = FfmpegVideo.open(file)) {
            while (video.nextFrame()) {
                total++;
            }
        }
        if (total == 0) {
            throw VllavaException.media("%s: no decodable video frames", file);
        }
        int[] indices = FrameSampler.uniformIndices(total, count);
        Frame[] frames = new Frame[count];
        try (FfmpegVideo video = FfmpegVideo.open(file)) {
            Rotation.Turn turn = Rotation.of(video.displayMatrix);
            int position = -1;
            for (int i = 0; i < count; i++) {
                if (i > 0 && indices[i] == indices[i - 1]) {
                    frames[i] = frames[i - 1];
                    continue;
                }
                while (position < indices[i]) {
                    if (!video.nextFrame()) {
                        throw VllavaException.media("%s: decoding stopped at frame %d of %d the first pass decoded",
                                file, position + 1, total);
                    }
                    position++;
                }
                frames[i] = Rotation.apply(current(video, indices[i]), turn);
            }
            return new DecodedVideo(file, total, List.of(frames), Rotation.degrees(turn), true);
        }
    }

    private static Frame current(FfmpegVideo video, int index) {
        return new Frame(video.frameRgb(), video.frameWidth(), video.frameHeight(), index,
                video.framePts() * video.timeBase);
    }

    /**
     * Null when what decodes disagrees with the packet timestamps. The sampled frames are grouped by the
     * keyframe they follow; the groups are decoded in parallel, each by its own decoder (the first from
     * the start of the file, the others after a seek to their keyframe).
     */
    private static DecodedVideo seekAndDecode(FfmpegVideo probed, long[] pts, long[] keys, int count) {
        Path file = probed.file;
        int total = pts.length;
        int[] indices = FrameSampler.uniformIndices(total, count);
        int[] targets = Arrays.stream(indices).distinct().toArray();
        List<int[]> groups = new ArrayList<>();
        List<Integer> groupKeys = new ArrayList<>();
        int firstKey = keyframeAtOrBefore(keys, pts[0]);
        for (int target : targets) {
            int key = Math.max(keyframeAtOrBefore(keys, pts[target]), firstKey);
            if (!groupKeys.isEmpty() && groupKeys.get(groupKeys.size() - 1) == key) {
                int[] last = groups.get(groups.size() - 1);
                int[] grown = Arrays.copyOf(last, last.length + 1);
                grown[last.length] = target;
                groups.set(groups.size() - 1, grown);
            } else {
                groups.add(new int[] {target});
                groupKeys.add(key);
            }
        }
        int cores = Runtime.getRuntime().availableProcessors();
        int decoderThreads = Math.max(1, cores / Math.min(groups.size(), cores));
        Map<Integer, Frame> decoded = new ConcurrentHashMap<>();
        int[] rotation = new int[1];
        boolean ok = IntStream.range(0, groups.size()).parallel().allMatch(g -> decodeGroup(probed, pts, keys,
                g == 0 ? -1 : groupKeys.get(g), groups.get(g), g == groups.size() - 1, decoderThreads, decoded, rotation));
        if (!ok) {
            return null;
        }
        List<Frame> frames = Arrays.stream(indices).mapToObj(decoded::get).toList();
        return new DecodedVideo(file, total, frames, rotation[0], false);
    }

    /**
     * Decodes the {@code targets} (ascending, all after keyframe {@code key}; -1: decode from the start,
     * where the first frame must be the earliest packet). False when what decodes disagrees with
     * {@code pts}: a frame not predicted, frames decoded one after another that are not consecutive in
     * the prediction, a target missing, or (for the {@code last} group) frames after the last one.
     */
    private static boolean decodeGroup(FfmpegVideo probed, long[] pts, long[] keys, int key, int[] targets, boolean last,
                                       int decoderThreads, Map<Integer, Frame> out, int[] rotation) {
        try (FfmpegVideo video = FfmpegVideo.reopen(probed, decoderThreads)) {
            Rotation.Turn turn = Rotation.of(video.displayMatrix);
            rotation[0] = Rotation.degrees(turn);
            int position = -1;                // index of the last decoded frame, -1 before the first
            boolean afterSeek = key >= 0;     // the next decoded frame may be anywhere at or before the target
            if (afterSeek && !video.seek(keys[key])) {
                return false;
            }
            for (int target : targets) {
                int retries = 0;
                while (position != target) {
                    if (!video.nextFrame()) {
                        return false;
                    }
                    int index = Arrays.binarySearch(pts, video.framePts());
                    if (index < 0) {
                        return false;
                    }
                    if (afterSeek) {
                        if (index > target) {
                            // Landed after the target: seek to an earlier keyframe.
                            if (++retries > SEEK_RETRIES || --key < 0 || !video.seek(keys[key])) {
                                return false;
                            }
                            continue;
                        }
                        afterSeek = false;
                    } else if (index != position + 1) {
                        return false;
                    }
                    position = index;
                }
                out.put(target, Rotation.apply(current(video, target), turn));
            }
            if (last) {
                // The last sampled frame is the last predicted one: nothing may decode after it.
                while (video.nextFrame()) {
                    if (video.framePts() > pts[pts.length - 1]) {
                        return false;
                    }
                }
            }
            return true;
        }
    }

    private static int keyframeAtOrBefore(long[] keys, long pts) {
        int i = Arrays.binarySearch(keys, pts);
        return i >= 0 ? i : -i - 2;
    }

    private static boolean strictlyIncreasing(long[] values) {
        for (int i = 1; i < values.length; i++) {
            if (values[i] <= values[i - 1]) {
                return false;
            }
        }
        return true;
    }

    private static void checkCount(int count) {
        if (count < 1 || count > 4096) {
            throw VllavaException.usage("number of frames must be in 1..4096, not %d", count);
        }
    }
}
