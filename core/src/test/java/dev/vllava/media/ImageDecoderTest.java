package dev.vllava.media;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Still images decode to what PIL's {@code Image.open(f).convert("RGB")} gives. */
class ImageDecoderTest {
    static final Path MEDIA = ImageProcessorTest.MEDIA;

    @TempDir
    Path dir;

    static int[] stats(Frame expected, Frame actual) {
        assertEquals(expected.width(), actual.width());
        assertEquals(expected.height(), actual.height());
        long sum = 0;
        int max = 0;
        for (int i = 0; i < expected.rgb().length; i++) {
            int d = Math.abs((expected.rgb()[i] & 0xFF) - (actual.rgb()[i] & 0xFF));
            sum += d;
            max = Math.max(max, d);
        }
        return new int[] {(int) Math.round(1000.0 * sum / expected.rgb().length), max};
    }

    @Test
    void jpegDecodesLikeLibjpegTurboInPil() {
        Frame pil = ImageDecoder.decode(MEDIA.resolve("photo-pil.png"));
        int[] s = stats(pil, ImageDecoder.decode(MEDIA.resolve("photo.jpg")));
        System.out.printf("JPEG (ImageIO) vs PIL: mean abs diff %.3f, max %d%n", s[0] / 1000.0, s[1]);
        assertEquals(0, s[1], "the JDK's IJG libjpeg (islow, fancy upsampling) should equal libjpeg-turbo");
    }

    @Test
    void webpDecodesLikeLibwebpInPil() {
        Frame pil = ImageDecoder.decode(MEDIA.resolve("photo-webp-pil.png"));
        int[] s = stats(pil, ImageDecoder.decode(MEDIA.resolve("photo.webp")));
        System.out.printf("WebP (FFmpeg + WebpColor) vs PIL (libwebp): mean abs diff %.3f, max %d%n", s[0] / 1000.0, s[1]);
        assertEquals(0, s[1], "VP8 decoding is bit-exact and WebpColor is libwebp's conversion");
    }

    @Test
    void bmpAndGifFirstFrameAndPaletteMatchPil() {
        assertEquals(0, stats(ImageDecoder.decode(MEDIA.resolve("odd.png")),
                ImageDecoder.decode(MEDIA.resolve("photo.bmp")))[1], "bmp");
        assertEquals(0, stats(ImageDecoder.decode(MEDIA.resolve("anim-first-pil.png")),
                ImageDecoder.decode(MEDIA.resolve("anim.gif")))[1], "gif first frame");
        assertEquals(0, stats(ImageDecoder.decode(MEDIA.resolve("palette-pil.png")),
                ImageDecoder.decode(MEDIA.resolve("palette.png")))[1], "palette colours, transparent index included");
    }

    @Test
    void grayscaleIsReplicatedAndAlphaIsDropped() throws Exception {
        BufferedImage gray = ImageIO.read(MEDIA.resolve("gray.png").toFile());
        Frame rgb = ImageDecoder.decode(MEDIA.resolve("gray.png"));
        int v = gray.getRaster().getSample(7, 5, 0);
        assertEquals(v, rgb.sample(7, 5, 0));
        assertEquals(v, rgb.sample(7, 5, 1));
        assertEquals(v, rgb.sample(7, 5, 2));
        Frame la = ImageDecoder.decode(MEDIA.resolve("gray-alpha.png"));
        assertTrue(Arrays.equals(rgb.rgb(), la.rgb()), "gray+alpha: alpha dropped, not composited");

        BufferedImage rgba = ImageIO.read(MEDIA.resolve("rgba.png").toFile());
        Frame dropped = ImageDecoder.decode(MEDIA.resolve("rgba.png"));
        assertEquals(0, rgba.getRaster().getSample(0, 3, 3), "column 0 is fully transparent");
        assertEquals(rgba.getRaster().getSample(0, 3, 0), dropped.sample(0, 3, 0), "colour kept under alpha 0");
    }

    @Test
    void sixteenBitGrayscaleClipsLikePilModeI() {
        // PIL opens a 16-bit gray PNG as mode I (I;16 in newer Pillow) and convert("RGB") clips to 0..255.
        Frame rgb = ImageDecoder.decode(MEDIA.resolve("gray16.png"));
        assertEquals(37 * 3, rgb.sample(3, 0, 0));
        assertEquals(255, rgb.sample(7, 0, 0), "259 clips to 255");
        assertEquals(255, rgb.sample(7, 0, 2));
    }

    @Test
    void sixteenBitRgbKeepsTheHighByte() throws Exception {
        BufferedImage image = new BufferedImage(new java.awt.image.ComponentColorModel(
                java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_sRGB), false, false,
                java.awt.Transparency.OPAQUE, java.awt.image.DataBuffer.TYPE_USHORT),
                java.awt.image.Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_USHORT, 4, 2, 3, null),
                false, null);
        WritableRaster raster = image.getRaster();
        raster.setPixel(1, 1, new int[] {0x1234, 0xFFFF, 0x00FF});
        Path file = dir.resolve("rgb48.png");
        ImageIO.write(image, "png", file.toFile());
        Frame rgb = ImageDecoder.decode(file);
        assertEquals(0x12, rgb.sample(1, 1, 0));
        assertEquals(0xFF, rgb.sample(1, 1, 1));
        assertEquals(0x00, rgb.sample(1, 1, 2));
    }

    @Test
    void badImagesAreOneLineMediaErrors() throws Exception {
        Path missing = dir.resolve("missing.png");
        assertMediaError(missing, "not found");
        Path text = Files.writeString(dir.resolve("text.png"), "hello\n");
        assertMediaError(text, "");
        byte[] png = Files.readAllBytes(MEDIA.resolve("odd.png"));
        Path cut = Files.write(dir.resolve("cut.png"), Arrays.copyOf(png, png.length / 2));
        assertMediaError(cut, "");
        byte[] jpg = Files.readAllBytes(MEDIA.resolve("photo.jpg"));
        Path cutJpg = Files.write(dir.resolve("cut.jpg"), Arrays.copyOf(jpg, jpg.length / 2));
        assertMediaError(cutJpg, "truncated");
    }

    @Test
    void absurdSizeIsRefusedBeforeDecoding() throws Exception {
        // A valid PNG header claiming 20000 x 20000 pixels (no data needed: the size is checked first).
        BufferedImage small = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        Path file = dir.resolve("huge.png");
        ImageIO.write(small, "png", file.toFile());
        byte[] bytes = Files.readAllBytes(file);
        // IHDR width/height at offsets 16 and 20 (the CRC no longer matches; ImageIO reads the header anyway).
        java.nio.ByteBuffer.wrap(bytes).putInt(16, 20000).putInt(20, 20000);
        Files.write(file, bytes);
        VllavaException e = assertMediaError(file, "");
        assertTrue(e.getMessage().contains("too large") || e.getMessage().contains("cannot decode"), e.getMessage());
    }

    static VllavaException assertMediaError(Path file, String says) {
        VllavaException e = assertThrows(VllavaException.class, () -> ImageDecoder.decode(file));
        assertEquals(Failure.MEDIA, e.failure());
        assertTrue(e.getMessage().startsWith(file + ": ") && e.getMessage().contains(says), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }
}
