package dev.vllava.media;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Resize + crop against Pillow (testdata/media/make-fixtures.py): byte-exact. */
class ImageProcessorTest {
    static final Path MEDIA = Path.of("../testdata/media");

    static void assertSameRgb(Frame expected, Frame actual, String what) {
        assertEquals(expected.width(), actual.width(), what + " width");
        assertEquals(expected.height(), actual.height(), what + " height");
        int max = 0;
        for (int i = 0; i < expected.rgb().length; i++) {
            max = Math.max(max, Math.abs((expected.rgb()[i] & 0xFF) - (actual.rgb()[i] & 0xFF)));
        }
        assertEquals(0, max, what + ": max abs difference to Pillow, in levels");
    }

    @Test
    void oddSizedImageResizesAndCropsExactlyAsPillow() {
        Frame odd = ImageDecoder.decode(MEDIA.resolve("odd.png"));
        assertSameRgb(ImageDecoder.decode(MEDIA.resolve("odd-224.png")),
                new ImageProcessor(PreprocessorConfig.defaults(224)).resizeAndCrop(odd), "641x359 -> 224");
        assertSameRgb(ImageDecoder.decode(MEDIA.resolve("odd-112.png")),
                new ImageProcessor(PreprocessorConfig.defaults(112)).resizeAndCrop(odd), "641x359 -> 112");
    }

    @Test
    void portraitImageResizesAndCropsExactlyAsPillow() {
        Frame portrait = ImageDecoder.decode(MEDIA.resolve("portrait.png"));
        assertSameRgb(ImageDecoder.decode(MEDIA.resolve("portrait-224.png")),
                new ImageProcessor(PreprocessorConfig.defaults(224)).resizeAndCrop(portrait), "359x641 -> 224");
    }

    @Test
    void upscalingSmallImageMatchesPillow() {
        Frame tiny = ImageDecoder.decode(MEDIA.resolve("tiny.png"));
        assertSameRgb(ImageDecoder.decode(MEDIA.resolve("tiny-112.png")),
                new ImageProcessor(PreprocessorConfig.defaults(112)).resizeAndCrop(tiny), "50x30 -> 112");
    }

    @Test
    void resizedSizeTruncatesTheLongEdgeLikeTransformers() {
        ImageProcessor processor = new ImageProcessor(PreprocessorConfig.defaults(224));
        assertArrayEquals(new int[] {224, 399}, processor.resizedSize(359, 641)); // int(224*641/359) = 399
        assertArrayEquals(new int[] {399, 224}, processor.resizedSize(641, 359));
        assertArrayEquals(new int[] {224, 298}, processor.resizedSize(240, 320)); // int(298.67)
    }

    @Test
    void cropLargerThanResizedPictureIsZeroPaddedLikeTransformers() {
        // shortest edge 100, crop 111: transformers pads to 111 with zeros, top_pad = ceil(11/2) = 6,
        // then crops from top = (100-111)//2 + 6 = 0: the picture sits 6 rows down... and 5 columns in from the
        // left of the resized 133-wide picture (left = (133-111)//2 = 11).
        PreprocessorConfig config = new PreprocessorConfig(true, 100, true, 111, 111, true, 1 / 255.0, true,
                PreprocessorConfig.CLIP_MEAN, PreprocessorConfig.CLIP_STD);
        byte[] white = new byte[400 * 300 * 3];
        java.util.Arrays.fill(white, (byte) 255);
        Frame cropped = new ImageProcessor(config).resizeAndCrop(new Frame(white, 400, 300, 0, 0));
        assertEquals(111, cropped.width());
        assertEquals(0, cropped.sample(50, 5, 0), "row 5 is padding");
        assertEquals(255, cropped.sample(50, 6, 0), "row 6 is picture");
        assertEquals(255, cropped.sample(50, 105, 0), "row 105 is picture");
        assertEquals(0, cropped.sample(50, 106, 0), "row 106 is padding");
        assertEquals(255, cropped.sample(0, 50, 0), "columns are cropped, not padded");
    }

    @Test
    void rescaleAndNormaliseFollowNumpyFloat32() {
        ImageProcessor processor = new ImageProcessor(PreprocessorConfig.defaults(1));
        float[] out = new float[3];
        processor.normalize(new Frame(new byte[] {(byte) 200, 0, (byte) 255}, 1, 1, 0, 0), out, 0);
        float r = ((float) (200 * (1 / 255.0)) - (float) 0.48145466) / (float) 0.26862954;
        float b = ((float) (255 * (1 / 255.0)) - (float) 0.40821073) / (float) 0.27577711;
        assertArrayEquals(new float[] {r, (0f - (float) 0.4578275) / (float) 0.26130258, b}, out);
    }

    @Test
    void unsupportedResampleFilterIsACheckpointError() throws Exception {
        Path model = java.nio.file.Files.createTempDirectory("pp");
        java.nio.file.Files.writeString(model.resolve("preprocessor_config.json"), "{\"resample\": 2}");
        dev.vllava.VllavaException e = org.junit.jupiter.api.Assertions.assertThrows(dev.vllava.VllavaException.class,
                () -> PreprocessorConfig.load(model));
        assertEquals(dev.vllava.Failure.CHECKPOINT, e.failure());
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("resample"), e.getMessage());
    }

    @Test
    void preprocessorConfigOfTheShapesModelIsRead() {
        PreprocessorConfig config = PreprocessorConfig.load(Path.of("../testdata/shapes/model"));
        assertEquals(112, config.shortestEdge());
        assertEquals(112, config.cropHeight());
        assertEquals(0.26862954, config.std()[0]);
    }
}
