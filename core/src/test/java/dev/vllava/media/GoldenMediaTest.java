package dev.vllava.media;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vllava.checkpoint.SafeTensorsFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The media pipeline against the Hugging Face reference outputs of testdata/tiny-a. */
class GoldenMediaTest {
    static final Path TINY = Path.of("../testdata/tiny-a");
    /** One uint8 level after normalisation by the smallest CLIP std: the pixel-value tolerance. */
    static final double ONE_LEVEL = 1.0 / 255 / 0.26;

    static JsonNode clip;
    static int[] goldenIndices;
    static byte[] goldenFrames;      // [8, 240, 320, 3]
    static float[] goldenVideoPixels; // [1, 8, 3, 224, 224]
    static float[] goldenImagePixels; // [1, 3, 224, 224]
    static MediaLoader loader;

    @BeforeAll
    static void readGolden() throws IOException {
        JsonNode golden = new ObjectMapper().readTree(TINY.resolve("golden.json").toFile());
        clip = golden.path("videos").path("clip");
        List<Integer> indices = new ArrayList<>();
        clip.path("frame_indices").forEach(n -> indices.add(n.asInt()));
        goldenIndices = indices.stream().mapToInt(Integer::intValue).toArray();
        try (SafeTensorsFile media = SafeTensorsFile.open(TINY.resolve("golden-media.safetensors"));
             SafeTensorsFile video = SafeTensorsFile.open(TINY.resolve("golden-video-pixels.safetensors"))) {
            goldenFrames = media.bytes("videos.clip.frames");
            goldenImagePixels = media.floats("images.pic.pixel_values_images");
            goldenVideoPixels = video.floats("videos.clip.pixel_values_videos");
        }
        loader = MediaLoader.forModel(TINY.resolve("model"));
    }

    static Frame goldenFrame(int i) {
        int w = clip.path("decoded_width").asInt();
        int h = clip.path("decoded_height").asInt();
        byte[] rgb = new byte[w * h * 3];
        System.arraycopy(goldenFrames, i * rgb.length, rgb, 0, rgb.length);
        return new Frame(rgb, w, h, goldenIndices[i], 0);
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length, "lengths");
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    @Test
    void sampledFrameIndicesAndCountMatchTheReference() {
        DecodedVideo video = VideoDecoder.sample(TINY.resolve(clip.path("file").asText()), 8);
        assertEquals(clip.path("num_decoded_frames").asInt(), video.totalFrames());
        assertArrayEquals(goldenIndices, video.frameIndices());
        assertFalse(video.decodedAll(), "the mp4 index is exact: the decoder should seek, not decode everything");
        double timeBase = 1.0 / 12800;
        for (int i = 0; i < 8; i++) {
            assertEquals(clip.path("frame_pts").get(i).asLong() * timeBase, video.frames().get(i).timeSeconds(), 1e-9);
        }
    }

    @Test
    void decodedRgbFramesMatchPyAvWithinOneLevelOnAverage() {
        for (DecodedVideo video : List.of(VideoDecoder.sample(TINY.resolve("inputs/video.mp4"), 8),
                VideoDecoder.decodeAll(TINY.resolve("inputs/video.mp4"), 8))) {
            long sum = 0;
            int max = 0;
            for (int i = 0; i < 8; i++) {
                Frame mine = video.frames().get(i);
                Frame ref = goldenFrame(i);
                assertEquals(ref.width(), mine.width());
                assertEquals(ref.height(), mine.height());
                for (int j = 0; j < ref.rgb().length; j++) {
                    int d = Math.abs((mine.rgb()[j] & 0xFF) - (ref.rgb()[j] & 0xFF));
                    sum += d;
                    max = Math.max(max, d);
                }
            }
            double mean = (double) sum / goldenFrames.length;
            System.out.printf("decoded frames vs PyAV (decodedAll=%s): mean abs diff %.4f, max %d%n",
                    video.decodedAll(), mean, max);
            assertTrue(mean <= 1.0, "mean abs diff " + mean + " > 1 level (libswscale versions differ)");
            assertTrue(max <= 4, "max abs diff " + max + " > 4 levels");
        }
    }

    @Test
    void pixelValuesOfGoldenFramesMatchTheReferenceProcessor() {
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            frames.add(goldenFrame(i));
        }
        PixelValues pixels = loader.processor().preprocess(frames);
        assertEquals(8, pixels.frames());
        assertEquals(224, pixels.size());
        double diff = maxAbsDiff(goldenVideoPixels, pixels.values());
        System.out.printf("video pixel values from golden frames: max abs diff %.3g%n", diff);
        assertTrue(diff <= 1e-6, "Pillow bicubic + normalisation should be exact, max abs diff " + diff);
    }

    @Test
    void imagePixelValuesMatchTheReferenceProcessor() {
        PixelValues pixels = loader.loadImage(TINY.resolve("inputs/image.png"));
        assertEquals(1, pixels.frames());
        assertArrayEquals(new int[] {0}, pixels.frameIndices());
        double diff = maxAbsDiff(goldenImagePixels, pixels.values());
        System.out.printf("image pixel values: max abs diff %.3g%n", diff);
        assertTrue(diff <= 1e-6, "PNG decode + preprocessing should be exact, max abs diff " + diff);
    }

    @Test
    void videoPixelValuesEndToEndAreWithinOneLevel() {
        PixelValues pixels = loader.loadVideo(TINY.resolve("inputs/video.mp4"), 8);
        assertArrayEquals(goldenIndices, pixels.frameIndices());
        double diff = maxAbsDiff(goldenVideoPixels, pixels.values());
        System.out.printf("video pixel values end to end: max abs diff %.3g (one level = %.4f)%n", diff, ONE_LEVEL);
        assertTrue(diff <= 4 * ONE_LEVEL, "end-to-end pixel values differ by more than the decoding tolerance: " + diff);
    }
}
