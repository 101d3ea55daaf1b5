package dev.vllava.media;

import org.bytedeco.javacv.FFmpegFrameRecorder;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;

/**
 * Small videos written by the tests themselves with JavaCV's recorder. The bytedeco FFmpeg build has no
 * libx264 (GPL): H.264 comes from libopenh264 (baseline, no B-frames), so B-frame reordering is tested
 * with MPEG-4 part 2.
 */
final class TestMedia {
    static {
        Ffmpeg.load(java.nio.file.Path.of("test media"));
    }

    private TestMedia() {
    }

    /** A video description; {@link #write} records it. */
    record Spec(int width, int height, int frames, double fps, int codec, int pixelFormat, int gop, int bFrames,
                double displayRotation, String format, boolean fastStart) {
        static Spec h264(int width, int height, int frames) {
            return new Spec(width, height, frames, 25, AV_CODEC_ID_H264, AV_PIX_FMT_YUV420P, 12, 2, 0, "mp4", false);
        }

        Spec withCodec(int codec, int pixelFormat) {
            return new Spec(width, height, frames, fps, codec, pixelFormat, gop, bFrames, displayRotation, format, fastStart);
        }

        Spec withGop(int gop, int bFrames) {
            return new Spec(width, height, frames, fps, codec, pixelFormat, gop, bFrames, displayRotation, format, fastStart);
        }

        Spec withRotation(double degrees) {
            return new Spec(width, height, frames, fps, codec, pixelFormat, gop, bFrames, degrees, format, fastStart);
        }

        Spec withFormat(String format) {
            return new Spec(width, height, frames, fps, codec, pixelFormat, gop, bFrames, displayRotation, format, fastStart);
        }

        Spec withFastStart() {
            return new Spec(width, height, frames, fps, codec, pixelFormat, gop, bFrames, displayRotation, format, true);
        }
    }

    /**
     * Frame {@code i}: a red top-left quadrant (so orientation is visible), the rest a smooth gradient that
     * moves with {@code i} (so every frame differs and survives lossy coding).
     */
    static byte[] pictureBgr(int width, int height, int i) {
        byte[] bgr = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int o = (y * width + x) * 3;
                if (x < width / 2 && y < height / 2) {
                    bgr[o + 2] = (byte) 230;
                    bgr[o + 1] = 20;
                    bgr[o] = 20;
                } else {
                    bgr[o] = (byte) ((x + 4 * i) & 0xFF);
                    bgr[o + 1] = (byte) ((y * 2 + 3 * i) & 0xFF);
                    bgr[o + 2] = (byte) ((x + y + 8 * i) & 0xFF);
                }
            }
        }
        return bgr;
    }

    static Path write(Path file, Spec spec) throws Exception {
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), spec.width(), spec.height(), 0)) {
            recorder.setFormat(spec.format());
            recorder.setVideoCodec(spec.codec());
            recorder.setPixelFormat(spec.pixelFormat());
            recorder.setFrameRate(spec.fps());
            recorder.setGopSize(spec.gop());
            recorder.setMaxBFrames(spec.bFrames());
            recorder.setVideoQuality(spec.codec() == AV_CODEC_ID_H264 ? 0 : 2);
            if (spec.displayRotation() != 0) {
                recorder.setDisplayRotation(spec.displayRotation());
            }
            if (spec.fastStart()) {
                recorder.setOption("movflags", "faststart");
            }
            recorder.start();
            org.bytedeco.javacv.Frame frame = new org.bytedeco.javacv.Frame(spec.width(), spec.height(),
                    org.bytedeco.javacv.Frame.DEPTH_UBYTE, 3);
            ByteBuffer buffer = (ByteBuffer) frame.image[0];
            int stride = frame.imageStride;
            for (int i = 0; i < spec.frames(); i++) {
                byte[] bgr = pictureBgr(spec.width(), spec.height(), i);
                for (int y = 0; y < spec.height(); y++) {
                    buffer.position(y * stride);
                    buffer.put(bgr, y * spec.width() * 3, spec.width() * 3);
                }
                buffer.rewind();
                recorder.record(frame, org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24);
            }
            recorder.stop();
        }
        return file;
    }
}
