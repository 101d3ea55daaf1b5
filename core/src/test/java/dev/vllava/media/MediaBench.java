package dev.vllava.media;

import org.bytedeco.javacv.FFmpegFrameRecorder;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;

/**
 * Benchmark (not a test): time to the 8 preprocessed frames of a 60 s 1080p H.264 clip, seeking
 * ({@link MediaLoader#loadVideo}) versus decoding every frame ({@link VideoDecoder#decodeAll}).
 * The clip (30 fps, 1800 frames, a keyframe every 2 s, ~8 Mb/s, libopenh264) is generated once into
 * {@code $TMPDIR/vllava-bench/}. Run:
 * <pre>
 * export JAVA_HOME=$(./scripts/java-home)
 * mvn -q -o -pl core test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * $JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED -cp core/target/classes:core/target/test-classes:$(cat /tmp/cp.txt) dev.vllava.media.MediaBench
 * </pre>
 */
public final class MediaBench {
    private MediaBench() {
    }

    public static void main(String[] args) throws Exception {
        Ffmpeg.load(java.nio.file.Path.of("test media"));
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int gop = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "vllava-bench");
        Files.createDirectories(dir);
        Path clip = dir.resolve("clip-1080p-" + seconds + "s-gop" + gop + ".mp4");
        if (!Files.exists(clip)) {
            long t0 = System.nanoTime();
            write(clip, 1920, 1080, 30, seconds * 30, gop);
            System.out.printf("generated %s (%.1f MB) in %.1f s%n", clip, Files.size(clip) / 1e6, (System.nanoTime() - t0) / 1e9);
        }
        MediaLoader loader = new MediaLoader(PreprocessorConfig.defaults(224));
        PixelValues reference = null;
        double[] seek = new double[5];
        for (int run = 0; run < seek.length; run++) {
            long t0 = System.nanoTime();
            PixelValues pixels = loader.loadVideo(clip, 8);
            seek[run] = (System.nanoTime() - t0) / 1e9;
            reference = pixels;
        }
        long t0 = System.nanoTime();
        DecodedVideo all = VideoDecoder.decodeAll(clip, 8);
        PixelValues full = loader.processor().preprocess(all.frames());
        double decodeAll = (System.nanoTime() - t0) / 1e9;
        Arrays.sort(seek);
        System.out.printf("frames %d, indices %s%n", all.totalFrames(), Arrays.toString(reference.frameIndices()));
        System.out.printf("seek + 8 frames preprocessed: min %.3f s, median %.3f s, max %.3f s (5 runs)%n",
                seek[0], seek[seek.length / 2], seek[seek.length - 1]);
        System.out.printf("decode every frame (2 passes: count, then sample) + preprocess: %.3f s%n", decodeAll);
        System.out.printf("identical pixel values: %s%n", Arrays.equals(reference.values(), full.values()));
    }

    private static void write(Path file, int width, int height, int fps, int frames, int gop) throws Exception {
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), width, height, 0)) {
            recorder.setFormat("mp4");
            recorder.setVideoCodec(AV_CODEC_ID_H264);
            recorder.setPixelFormat(AV_PIX_FMT_YUV420P);
            recorder.setFrameRate(fps);
            recorder.setGopSize(gop);
            recorder.setVideoBitrate(8_000_000);
            recorder.start();
            org.bytedeco.javacv.Frame frame = new org.bytedeco.javacv.Frame(width, height, org.bytedeco.javacv.Frame.DEPTH_UBYTE, 3);
            ByteBuffer buffer = (ByteBuffer) frame.image[0];
            byte[] row = new byte[width * 3];
            for (int i = 0; i < frames; i++) {
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        row[3 * x] = (byte) (x + 4 * i);
                        row[3 * x + 1] = (byte) (y * 2 + 3 * i);
                        row[3 * x + 2] = (byte) (((x + i * 5) * (y + i * 3)) >> 6);
                    }
                    buffer.position(y * frame.imageStride);
                    buffer.put(row);
                }
                buffer.rewind();
                recorder.record(frame, AV_PIX_FMT_BGR24);
            }
            recorder.stop();
        }
    }
}
