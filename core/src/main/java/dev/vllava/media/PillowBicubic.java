package dev.vllava.media;

/**
 * Pillow's {@code Image.resize(size, BICUBIC)} on 8-bit RGB, bit for bit (Pillow's
 * {@code libImaging/Resample.c}, the version the reference used, 9.4): a separable convolution with the
 * a = -0.5 cubic kernel, widened by the scale factor when shrinking (antialiasing), weights normalised
 * in double and then rounded to 22-bit fixed point; a horizontal pass then a vertical pass, each
 * rounding and clipping to uint8.
 *
 * <p>{@link #resizeRegion} computes only a rectangle of the resized picture (the centre crop the
 * processor keeps). Every output pixel depends only on its own coefficients, so the rectangle equals the
 * same rectangle cut out of the full resize.
 */
final class PillowBicubic {
    static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 2.0;

    private PillowBicubic() {
    }

    /** Per output position: first input index, number of taps, and {@code ksize} fixed-point weights. */
    record Coefficients(int ksize, int[] first, int[] count, int[] weights) {
    }

    static double cubic(double x) {
        final double a = -0.5;
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /** Pillow's {@code precompute_coeffs} + {@code normalize_coeffs_8bpc} for the box (0, inSize). */
    static Coefficients coefficients(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = SUPPORT * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        int[] weights = new int[outSize * ksize];
        double[] k = new double[ksize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                double w = cubic((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) {
                double w = ww != 0.0 ? k[x] / ww : k[x];
                weights[xx * ksize + x] = w < 0
                        ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                        : (int) (0.5 + w * (1 << PRECISION_BITS));
            }
            first[xx] = xmin;
            count[xx] = xmax;
        }
        return new Coefficients(ksize, first, count, weights);
    }

    private static int clip8(int sum) {
        int v = sum >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /**
     * The rectangle ({@code left}, {@code top}, {@code regionWidth} x {@code regionHeight}) of {@code src}
     * resized to {@code outWidth} x {@code outHeight}, as packed RGB bytes.
     */
    static byte[] resizeRegion(Frame src, int outWidth, int outHeight,
                               int left, int top, int regionWidth, int regionHeight) {
        if (left < 0 || top < 0 || left + regionWidth > outWidth || top + regionHeight > outHeight) {
            throw new IllegalArgumentException("region outside the resized picture");
        }
        int inWidth = src.width();
        int inHeight = src.height();
        byte[] in = src.rgb();
        boolean horizontal = outWidth != inWidth;
        boolean vertical = outHeight != inHeight;
        Coefficients cv = vertical ? coefficients(inHeight, outHeight) : null;

        // Input rows the vertical pass reads (all of them when there is no vertical pass, only the
        // region's rows then).
        int rowFirst;
        int rowEnd;
        if (vertical) {
            rowFirst = cv.first()[top];
            rowEnd = 0;
            for (int y = top; y < top + regionHeight; y++) {
                rowFirst = Math.min(rowFirst, cv.first()[y]);
                rowEnd = Math.max(rowEnd, cv.first()[y] + cv.count()[y]);
            }
        } else {
            rowFirst = top;
            rowEnd = top + regionHeight;
        }
        int rows = rowEnd - rowFirst;

        // Horizontal pass: rows [rowFirst, rowEnd) of the input, the region's columns of the output.
        byte[] mid;
        if (horizontal) {
            Coefficients ch = coefficients(inWidth, outWidth);
            mid = new byte[rows * regionWidth * 3];
            int[] w = ch.weights();
            int ksize = ch.ksize();
            for (int y = 0; y < rows; y++) {
                int rowBase = (rowFirst + y) * inWidth * 3;
                int outBase = y * regionWidth * 3;
                for (int xx = 0; xx < regionWidth; xx++) {
                    int ox = left + xx;
                    int xmin = ch.first()[ox];
                    int taps = ch.count()[ox];
                    int kBase = ox * ksize;
                    int half = 1 << (PRECISION_BITS - 1);
                    int s0 = half;
                    int s1 = half;
                    int s2 = half;
                    int p = rowBase + xmin * 3;
                    for (int x = 0; x < taps; x++, p += 3) {
                        int k = w[kBase + x];
                        s0 += (in[p] & 0xFF) * k;
                        s1 += (in[p + 1] & 0xFF) * k;
                        s2 += (in[p + 2] & 0xFF) * k;
                    }
                    int o = outBase + xx * 3;
                    mid[o] = (byte) clip8(s0);
                    mid[o + 1] = (byte) clip8(s1);
                    mid[o + 2] = (byte) clip8(s2);
                }
            }
        } else {
            mid = new byte[rows * regionWidth * 3];
            for (int y = 0; y < rows; y++) {
                System.arraycopy(in, ((rowFirst + y) * inWidth + left) * 3, mid, y * regionWidth * 3, regionWidth * 3);
            }
        }
        if (!vertical) {
            return mid;
        }

        // Vertical pass over the intermediate rows.
        byte[] out = new byte[regionWidth * regionHeight * 3];
        int[] w = cv.weights();
        int ksize = cv.ksize();
        int stride = regionWidth * 3;
        for (int yy = 0; yy < regionHeight; yy++) {
            int oy = top + yy;
            int ymin = cv.first()[oy] - rowFirst;
            int taps = cv.count()[oy];
            int kBase = oy * ksize;
            int outBase = yy * stride;
            for (int i = 0; i < stride; i++) {
                int s = 1 << (PRECISION_BITS - 1);
                int p = ymin * stride + i;
                for (int y = 0; y < taps; y++, p += stride) {
                    s += (mid[p] & 0xFF) * w[kBase + y];
                }
                out[outBase + i] = (byte) clip8(s);
            }
        }
        return out;
    }

    /** The whole picture resized. */
    static Frame resize(Frame src, int outWidth, int outHeight) {
        byte[] rgb = resizeRegion(src, outWidth, outHeight, 0, 0, outWidth, outHeight);
        return new Frame(rgb, outWidth, outHeight, src.index(), src.timeSeconds());
    }
}
