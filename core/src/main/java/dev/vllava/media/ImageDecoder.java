package dev.vllava.media;

import dev.vllava.VllavaException;

import javax.imageio.ImageIO;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_WEBP;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVA420P;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * Decodes a still image to RGB the way the reference sees it: PIL's {@code Image.open(f).convert("RGB")}.
 *
 * <p>PNG, JPEG, BMP, GIF (first frame) and TIFF are read with {@code javax.imageio}, then converted
 * following PIL's rules: palette images take their palette colours (the transparent index too); alpha
 * is dropped, not composited; 16-bit RGB(A) and gray+alpha keep the high byte (PIL's {@code ;16B} raw
 * modes); 16-bit grayscale opens in PIL as mode {@code I} and converts to RGB by clipping to 0..255, so it
 * is clipped here as well; 1/2/4-bit grayscale is scaled to 0..255. The JDK's JPEG reader is IJG libjpeg
 * (islow IDCT, fancy upsampling, libjpeg's YCbCr->RGB), the same arithmetic as the libjpeg-turbo PIL
 * uses. Other formats (WebP, ...) are decoded by FFmpeg as a one-frame video; lossy WebP's Y'CbCr planes
 * (bit-exact VP8) are turned into RGB with libwebp's own upsampling and matrix ({@link WebpColor}), so they
 * match PIL (libwebp) too; lossless WebP is RGB already.
 */
public final class ImageDecoder {
    private ImageDecoder() {
    }

    public static Frame decode(Path file) {
        MediaFiles.checkReadable(file);
        BufferedImage image = readWithImageIo(file);
        if (image == null) {
            return decodeWithFfmpeg(file);
        }
        return toRgb(image);
    }

    /** Null when no ImageIO reader knows the format. */
    private static BufferedImage readWithImageIo(Path file) {
        try (ImageInputStream input = ImageIO.createImageInputStream(file.toFile())) {
            if (input == null) {
                throw VllavaException.media("%s: cannot open image", file);
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(input, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                PictureSize.check(file, width, height);
                String[] truncated = {null};
                reader.addIIOReadWarningListener((source, warning) -> {
                    if (warning != null && (warning.contains("Premature end") || warning.contains("Truncated"))) {
                        truncated[0] = warning;
                    }
                });
                BufferedImage image = reader.read(0);
                if (truncated[0] != null) {
                    // PIL refuses truncated files ("image file is truncated"); so do we.
                    throw VllavaException.media("%s: image file is truncated", file);
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof VllavaException v) {
                throw v;
            }
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw VllavaException.media("%s: cannot decode image: %s", file, why.lines().findFirst().orElse(why));
        }
    }

    private static Frame decodeWithFfmpeg(Path file) {
        try (FfmpegVideo video = FfmpegVideo.open(file)) {
            if (!video.nextFrame()) {
                throw VllavaException.media("%s: no decodable picture in the file", file);
            }
            int width = video.frameWidth();
            int height = video.frameHeight();
            int format = video.framePixelFormat();
            if (video.codecId() == AV_CODEC_ID_WEBP && (format == AV_PIX_FMT_YUV420P || format == AV_PIX_FMT_YUVA420P)) {
                int cw = (width + 1) / 2;
                int ch = (height + 1) / 2;
                byte[] rgb = WebpColor.toRgb(video.framePlane(0, height, width), width,
                        video.framePlane(1, ch, cw), video.framePlane(2, ch, cw), cw, width, height);
                return new Frame(rgb, width, height, 0, 0.0);
            }
            return new Frame(video.frameRgb(), width, height, 0, 0.0);
        }
    }

    /** PIL's {@code convert("RGB")} of the picture ImageIO decoded. */
    static Frame toRgb(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        byte[] rgb = new byte[width * height * 3];
        ColorModel model = image.getColorModel();
        Raster raster = image.getRaster();
        int bands = raster.getNumBands();
        if (model instanceof IndexColorModel palette) {
            int[] row = new int[width];
            for (int y = 0; y < height; y++) {
                raster.getSamples(0, y, width, 1, 0, row);
                for (int x = 0; x < width; x++) {
                    int o = (y * width + x) * 3;
                    rgb[o] = (byte) palette.getRed(row[x]);
                    rgb[o + 1] = (byte) palette.getGreen(row[x]);
                    rgb[o + 2] = (byte) palette.getBlue(row[x]);
                }
            }
        } else if (model instanceof ComponentColorModel && isGray(model) && (bands == 1 || bands == 2)) {
            boolean sixteen = model.getComponentSize(0) == 16;
            int[] row = new int[width];
            for (int y = 0; y < height; y++) {
                raster.getSamples(0, y, width, 1, 0, row);
                for (int x = 0; x < width; x++) {
                    int v = row[x];
                    if (sixteen) {
                        v = bands == 1 ? Math.min(v, 255) : v >> 8;  // PIL: I -> RGB clips; LA;16B keeps the high byte
                    }
                    int o = (y * width + x) * 3;
                    rgb[o] = rgb[o + 1] = rgb[o + 2] = (byte) v;
                }
            }
        } else if (model instanceof ComponentColorModel && isRgb(model) && (bands == 3 || bands == 4)) {
            int shift = model.getComponentSize(0) == 16 ? 8 : 0;
            int[] row = new int[width];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < height; y++) {
                    raster.getSamples(0, y, width, 1, c, row);
                    for (int x = 0; x < width; x++) {
                        rgb[(y * width + x) * 3 + c] = (byte) (row[x] >> shift);
                    }
                }
            }
        } else {
            // Packed (BMP 16/32-bit) and other models: Java's sRGB conversion, alpha dropped.
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int argb = image.getRGB(x, y);
                    int o = (y * width + x) * 3;
                    rgb[o] = (byte) (argb >> 16);
                    rgb[o + 1] = (byte) (argb >> 8);
                    rgb[o + 2] = (byte) argb;
                }
            }
        }
        return new Frame(rgb, width, height, 0, 0.0);
    }

    private static boolean isGray(ColorModel model) {
        return model.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
    }

    private static boolean isRgb(ColorModel model) {
        return model.getColorSpace().getType() == ColorSpace.TYPE_RGB;
    }
}
