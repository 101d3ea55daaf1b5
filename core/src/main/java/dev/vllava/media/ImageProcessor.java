package dev.vllava.media;

import dev.vllava.VllavaException;

import java.util.List;
import java.util.stream.IntStream;

/**
 * {@code VideoLlavaImageProcessor.preprocess}, step by step: resize so the shortest edge is
 * {@code shortest_edge} (the other edge {@code int(shortest * long / short)}) with Pillow's bicubic,
 * centre crop ({@code top = (h - crop) // 2}, zero padding where the picture is smaller than the crop, as
 * transformers' {@code center_crop} does), rescale ({@code float32(uint8 * rescale_factor)}, the product
 * in float64), normalise in float32 ({@code (x - float32(mean)) / float32(std)}), channel-major.
 * Immutable and thread-safe.
 */
public final class ImageProcessor {
    private final PreprocessorConfig config;
    private final float[] mean;
    private final float[] std;

    public ImageProcessor(PreprocessorConfig config) {
        this.config = config;
        this.mean = new float[3];
        this.std = new float[3];
        for (int c = 0; c < 3; c++) {
            mean[c] = (float) config.mean()[c];
            std[c] = (float) config.std()[c];
        }
        if (config.doCenterCrop() && config.cropHeight() != config.cropWidth()) {
            throw VllavaException.checkpoint("preprocessor_config.json: crop_size %dx%d is not square",
                    config.cropWidth(), config.cropHeight());
        }
    }

    public PreprocessorConfig config() {
        return config;
    }

    /** Height and width after the resize step: {@code transformers.get_resize_output_image_size}. */
    public int[] resizedSize(int height, int width) {
        if (!config.doResize()) {
            return new int[] {height, width};
        }
        int s = config.shortestEdge();
        if (width <= height) {
            return new int[] {(int) ((double) ((long) s * height) / width), s};
        }
        return new int[] {s, (int) ((double) ((long) s * width) / height)};
    }

    /** The uint8 picture the model sees (after resize and crop, before rescale/normalise). */
    public Frame resizeAndCrop(Frame frame) {
        int[] resized = resizedSize(frame.height(), frame.width());
        int h = resized[0];
        int w = resized[1];
        if (!config.doCenterCrop()) {
            if (h != w) {
                throw VllavaException.media("picture of %dx%d resized to %dx%d is not square and do_center_crop is off",
                        frame.width(), frame.height(), w, h);
            }
            return h == frame.height() && w == frame.width() ? frame : PillowBicubic.resize(frame, w, h);
        }
        int crop = config.cropHeight();
        // Crop pixel (y, x) is resized pixel (offY + y, offX + x), or zero outside the resized picture.
        int offY = Math.floorDiv(h - crop, 2);
        int offX = Math.floorDiv(w - crop, 2);
        int top = Math.max(offY, 0);
        int left = Math.max(offX, 0);
        int bottom = Math.min(offY + crop, h);
        int right = Math.min(offX + crop, w);
        byte[] region = PillowBicubic.resizeRegion(frame, w, h, left, top, right - left, bottom - top);
        if (offY >= 0 && offX >= 0 && bottom - top == crop && right - left == crop) {
            return new Frame(region, crop, crop, frame.index(), frame.timeSeconds());
        }
        byte[] padded = new byte[crop * crop * 3];
        int rowBytes = (right - left) * 3;
        for (int y = top; y < bottom; y++) {
            System.arraycopy(region, (y - top) * rowBytes, padded, ((y - offY) * crop + (left - offX)) * 3, rowBytes);
        }
        return new Frame(padded, crop, crop, frame.index(), frame.timeSeconds());
    }

    /** Rescaled and normalised channel-major floats of an already resized and cropped picture. */
    public void normalize(Frame cropped, float[] out, int offset) {
        int plane = cropped.width() * cropped.height();
        byte[] rgb = cropped.rgb();
        double factor = config.rescaleFactor();
        for (int c = 0; c < 3; c++) {
            float m = mean[c];
            float s = std[c];
            int base = offset + c * plane;
            for (int i = 0; i < plane; i++) {
                int v = rgb[i * 3 + c] & 0xFF;
                float x = config.doRescale() ? (float) (v * factor) : (float) v;
                if (config.doNormalize()) {
                    x = (x - m) / s;
                }
                out[base + i] = x;
            }
        }
    }

    /** Preprocesses frames (in parallel) into {@code [frames, 3, S, S]}. */
    public PixelValues preprocess(List<Frame> frames) {
        Frame[] cropped = new Frame[frames.size()];
        IntStream.range(0, frames.size()).parallel().forEach(i -> cropped[i] = resizeAndCrop(frames.get(i)));
        return pixelValues(cropped);
    }

    /** Rescales and normalises pictures already resized and cropped by {@link #resizeAndCrop}. */
    public PixelValues pixelValues(Frame[] cropped) {
        if (cropped.length == 0) {
            throw new IllegalArgumentException("no frames to preprocess");
        }
        int size = cropped[0].width();
        int frameLength = 3 * size * size;
        float[] values = new float[cropped.length * frameLength];
        int[] indices = new int[cropped.length];
        for (int i = 0; i < cropped.length; i++) {
            if (cropped[i].width() != size || cropped[i].height() != size) {
                throw new IllegalStateException("preprocessed frames differ in size");
            }
            normalize(cropped[i], values, i * frameLength);
            indices[i] = cropped[i].index();
        }
        return new PixelValues(values, cropped.length, size, indices);
    }
}
