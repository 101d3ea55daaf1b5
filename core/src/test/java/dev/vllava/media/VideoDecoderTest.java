package dev.vllava.media;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_FFV1;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_MPEG4;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_VP9;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV444P;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VideoDecoderTest {
    @TempDir
    Path dir;

    /** Seeking must give exactly the frames that decoding everything gives. */
    static void assertSameAsFullDecode(Path file, int count) {
        DecodedVideo seeked = VideoDecoder.sample(file, count);
        DecodedVideo full = VideoDecoder.decodeAll(file, count);
        assertEquals(full.totalFrames(), seeked.totalFrames(), "frame count");
        assertArrayEquals(full.frameIndices(), seeked.frameIndices(), "indices");
        for (int i = 0; i < count; i++) {
            Frame a = seeked.frames().get(i);
            Frame b = full.frames().get(i);
            assertEquals(b.timeSeconds(), a.timeSeconds(), 1e-9, "time of frame " + i);
            assertTrue(Arrays.equals(a.rgb(), b.rgb()), "pixels of sampled frame " + i + " (index " + a.index() + ")");
        }
    }

    @Test
    void seekingToSampledFramesEqualsDecodingEverythingWithBFramesAndShortGops() throws Exception {
        Path file = TestMedia.write(dir.resolve("gop.mp4"), TestMedia.Spec.h264(160, 96, 100)
                .withCodec(AV_CODEC_ID_MPEG4, AV_PIX_FMT_YUV420P).withGop(10, 2));
        DecodedVideo video = VideoDecoder.sample(file, 8);
        assertFalse(video.decodedAll(), "an mp4 with exact timestamps is sampled by seeking");
        assertEquals(100, video.totalFrames());
        assertArrayEquals(FrameSampler.uniformIndices(100, 8), video.frameIndices());
        assertSameAsFullDecode(file, 8);
        assertSameAsFullDecode(file, 33);
    }

    @Test
    void clipShorterThanEightFramesRepeatsFrames() throws Exception {
        Path file = TestMedia.write(dir.resolve("short.mp4"), TestMedia.Spec.h264(64, 48, 5));
        DecodedVideo video = VideoDecoder.sample(file, 8);
        assertEquals(5, video.totalFrames());
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2, 3, 4}, video.frameIndices());
        assertSameAsFullDecode(file, 8);
    }

    @Test
    void oddSizedVideoKeepsItsSize() throws Exception {
        Path file = TestMedia.write(dir.resolve("odd.mkv"), TestMedia.Spec.h264(642, 359, 12)
                .withCodec(AV_CODEC_ID_FFV1, AV_PIX_FMT_YUV444P).withFormat("matroska"));
        DecodedVideo video = VideoDecoder.sample(file, 8);
        assertEquals(642, video.frames().get(0).width(), "JavaCV's recorder rounds widths to even");
        assertEquals(359, video.frames().get(0).height());
        assertSameAsFullDecode(file, 8);
        PixelValues pixels = new MediaLoader(PreprocessorConfig.defaults(224)).loadVideo(file, 8);
        assertEquals(8, pixels.frames());
        assertEquals(224, pixels.size());
    }

    @Test
    void portraitVideoStaysPortrait() throws Exception {
        Path file = TestMedia.write(dir.resolve("portrait.mp4"), TestMedia.Spec.h264(96, 160, 10));
        Frame first = VideoDecoder.sample(file, 8).frames().get(0);
        assertEquals(96, first.width());
        assertEquals(160, first.height());
        assertRed(first, 10, 10, "stored top-left quadrant stays top-left");
    }

    @Test
    void rotationMetadataTurnsFramesUpright() throws Exception {
        // Display matrix "rotate 90 degrees counterclockwise" (ffmpeg -display_rotation 90): stored 160x96
        // with red top-left, shown 96x160 with red bottom-left, as the ffmpeg command line shows it.
        Path file = TestMedia.write(dir.resolve("rotated.mp4"), TestMedia.Spec.h264(160, 96, 10).withRotation(90));
        DecodedVideo video = VideoDecoder.sample(file, 8);
        Frame first = video.frames().get(0);
        assertEquals(270, video.rotationDegrees(), "clockwise degrees applied");
        assertEquals(96, first.width());
        assertEquals(160, first.height());
        assertRed(first, 10, 150, "red quadrant moves to the bottom left");
        assertSameAsFullDecode(file, 8);
    }

    @Test
    void otherCodecsAndContainersDecode() throws Exception {
        Path mpeg4 = TestMedia.write(dir.resolve("clip.avi"), TestMedia.Spec.h264(128, 96, 20)
                .withCodec(AV_CODEC_ID_MPEG4, AV_PIX_FMT_YUV420P).withFormat("avi").withGop(6, 0));
        assertEquals(20, VideoDecoder.sample(mpeg4, 8).totalFrames());
        assertSameAsFullDecode(mpeg4, 8);
        Path vp9 = TestMedia.write(dir.resolve("clip.webm"), TestMedia.Spec.h264(128, 96, 20)
                .withCodec(AV_CODEC_ID_VP9, AV_PIX_FMT_YUV420P).withFormat("webm").withGop(6, 0));
        assertEquals(20, VideoDecoder.sample(vp9, 8).totalFrames());
        assertSameAsFullDecode(vp9, 8);
    }

    @Test
    void missingFileIsAOneLineMediaError() {
        VllavaException e = assertThrows(VllavaException.class,
                () -> VideoDecoder.sample(dir.resolve("nothing.mp4"), 8));
        assertEquals(Failure.MEDIA, e.failure());
        assertTrue(e.getMessage().contains("nothing.mp4") && e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void textFileNamedMp4IsAOneLineMediaError() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.mp4"), "this is not a video\n");
        VllavaException e = assertThrows(VllavaException.class, () -> VideoDecoder.sample(file, 8));
        assertEquals(Failure.MEDIA, e.failure());
        assertTrue(e.getMessage().startsWith(file.toString() + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test
    void truncatedMp4IsAOneLineMediaError() throws Exception {
        Path whole = TestMedia.write(dir.resolve("whole.mp4"), TestMedia.Spec.h264(160, 96, 50));
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = Files.write(dir.resolve("cut.mp4"), Arrays.copyOf(bytes, bytes.length / 2));
        VllavaException e = assertThrows(VllavaException.class, () -> VideoDecoder.sample(cut, 8));
        assertEquals(Failure.MEDIA, e.failure());
        assertTrue(e.getMessage().startsWith(cut + ": "), e.getMessage());
    }

    @Test
    void truncatedFastStartMp4DecodesWhatIsThereOrFailsClearly() throws Exception {
        // moov first: the index promises 50 frames, the data stops half way. The prediction fails, so
        // everything is decoded and the frames that decode are sampled (as the reference would).
        Path whole = TestMedia.write(dir.resolve("fast.mp4"), TestMedia.Spec.h264(160, 96, 50).withFastStart());
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = Files.write(dir.resolve("fastcut.mp4"), Arrays.copyOf(bytes, bytes.length * 2 / 3));
        DecodedVideo video = VideoDecoder.sample(cut, 8);
        assertTrue(video.decodedAll(), "the container's frame count is wrong: decoded everything");
        assertTrue(video.totalFrames() > 0 && video.totalFrames() < 50, "frames: " + video.totalFrames());
    }

    @Test
    void videoStreamWithNoDecodableFrameIsAOneLineMediaError() throws Exception {
        // moov first, then the file ends a few bytes into mdat: a video stream whose packets are all missing.
        Path whole = TestMedia.write(dir.resolve("fast.mp4"), TestMedia.Spec.h264(160, 96, 20).withFastStart());
        byte[] bytes = Files.readAllBytes(whole);
        int mdat = indexOf(bytes, "mdat".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertTrue(mdat > 0, "mdat box found");
        Path empty = Files.write(dir.resolve("empty.mp4"), Arrays.copyOf(bytes, mdat + 12));
        VllavaException e = assertThrows(VllavaException.class, () -> VideoDecoder.sample(empty, 8));
        assertEquals(Failure.MEDIA, e.failure());
        assertTrue(e.getMessage().equals(empty + ": no decodable video frames"), e.getMessage());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void fileWithoutVideoStreamIsAOneLineMediaError() throws Exception {
        Path file = dir.resolve("sound.wav");
        try (var recorder = new org.bytedeco.javacv.FFmpegFrameRecorder(file.toFile(), 1)) {
            recorder.setFormat("wav");
            recorder.setSampleRate(8000);
            recorder.start();
            recorder.recordSamples(java.nio.ShortBuffer.wrap(new short[800]));
            recorder.stop();
        }
        VllavaException e = assertThrows(VllavaException.class, () -> VideoDecoder.sample(file, 8));
        assertEquals(Failure.MEDIA, e.failure());
        assertTrue(e.getMessage().contains("no video stream"), e.getMessage());
    }

    static void assertRed(Frame frame, int x, int y, String why) {
        assertTrue(frame.sample(x, y, 0) > 180 && frame.sample(x, y, 1) < 70 && frame.sample(x, y, 2) < 70,
                why + ": pixel (" + x + "," + y + ") = " + frame.sample(x, y, 0) + "," + frame.sample(x, y, 1)
                        + "," + frame.sample(x, y, 2));
    }
}
