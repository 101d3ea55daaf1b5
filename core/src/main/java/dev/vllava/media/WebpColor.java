package dev.vllava.media;

/**
 * libwebp's lossy-WebP colour conversion, so that a WebP decoded by FFmpeg (whose VP8 decoder is
 * bit-exact, giving the same Y'CbCr 4:2:0 planes) ends up with the RGB PIL gets from libwebp: "fancy"
 * chroma upsampling (each output chroma value 9-3-3-1 weighted from the four nearest chroma samples,
 * computed through libwebp's diagonal averages) and the 14-bit fixed-point BT.601 limited-range matrix
 * ({@code VP8YUVToR/G/B}).
 */
final class WebpColor {
    private WebpColor() {
    }

    private static int multHi(int v, int coeff) {
        return (v * coeff) >> 8;
    }

    private static int clip8(int v) {
        return (v & ~((256 << 6) - 1)) == 0 ? v >> 6 : v < 0 ? 0 : 255;
    }

    private static void yuvToRgb(int y, int u, int v, byte[] out, int o) {
        int luma = multHi(y, 19077);
        out[o] = (byte) clip8(luma + multHi(v, 26149) - 14234);
        out[o + 1] = (byte) clip8(luma - multHi(u, 6419) - multHi(v, 13320) + 8708);
        out[o + 2] = (byte) clip8(luma + multHi(u, 33050) - 17685);
    }

    /**
     * RGB of a 4:2:0 picture; planes are row-major with the given strides (chroma planes are
     * ceil(width/2) x ceil(height/2)).
     */
    static byte[] toRgb(byte[] y, int yStride, byte[] u, byte[] v, int uvStride, int width, int height) {
        byte[] rgb = new byte[width * height * 3];
        // First row: chroma row 0 with itself.
        upsampleRows(y, yStride, 0, -1, u, v, uvStride, 0, 0, rgb, width);
        // Luma rows 2k-1 and 2k take chroma rows k-1 (above) and k (below).
        for (int row = 1; row + 1 < height; row += 2) {
            int k = (row + 1) / 2;
            upsampleRows(y, yStride, row, row + 1, u, v, uvStride, k - 1, k, rgb, width);
        }
        if (height > 1 && height % 2 == 0) {
            // Last row of an even height: the last chroma row with itself.
            int last = (height - 1) / 2;
            upsampleRows(y, yStride, height - 1, -1, u, v, uvStride, last, last, rgb, width);
        }
        return rgb;
    }

    /**
     * libwebp's UPSAMPLE_FUNC: luma row {@code top} (and {@code bottom}, or -1) between chroma rows
     * {@code topUv} and {@code curUv}; U and V are handled together in the 16-bit halves of one int.
     */
    private static void upsampleRows(byte[] y, int yStride, int top, int bottom, byte[] u, byte[] v, int uvStride,
                                     int topUv, int curUv, byte[] rgb, int len) {
        int tu = topUv * uvStride;
        int cu = curUv * uvStride;
        int lastPair = (len - 1) >> 1;
        int tlUv = load(u, v, tu);
        int lUv = load(u, v, cu);
        emit(y, yStride, top, 0, (3 * tlUv + lUv + 0x00020002) >>> 2, rgb, len);
        if (bottom >= 0) {
            emit(y, yStride, bottom, 0, (3 * lUv + tlUv + 0x00020002) >>> 2, rgb, len);
        }
        for (int x = 1; x <= lastPair; x++) {
            int tUv = load(u, v, tu + x);
            int uv = load(u, v, cu + x);
            int avg = tlUv + tUv + lUv + uv + 0x00080008;
            int diag12 = (avg + 2 * (tUv + lUv)) >>> 3;
            int diag03 = (avg + 2 * (tlUv + uv)) >>> 3;
            emit(y, yStride, top, 2 * x - 1, (diag12 + tlUv) >>> 1, rgb, len);
            emit(y, yStride, top, 2 * x, (diag03 + tUv) >>> 1, rgb, len);
            if (bottom >= 0) {
                emit(y, yStride, bottom, 2 * x - 1, (diag03 + lUv) >>> 1, rgb, len);
                emit(y, yStride, bottom, 2 * x, (diag12 + uv) >>> 1, rgb, len);
            }
            tlUv = tUv;
            lUv = uv;
        }
        if ((len & 1) == 0) {
            emit(y, yStride, top, len - 1, (3 * tlUv + lUv + 0x00020002) >>> 2, rgb, len);
            if (bottom >= 0) {
                emit(y, yStride, bottom, len - 1, (3 * lUv + tlUv + 0x00020002) >>> 2, rgb, len);
            }
        }
    }

    private static int load(byte[] u, byte[] v, int i) {
        return (u[i] & 0xFF) | ((v[i] & 0xFF) << 16);
    }

    private static void emit(byte[] y, int yStride, int row, int x, int uv, byte[] rgb, int width) {
        yuvToRgb(y[row * yStride + x] & 0xFF, uv & 0xFF, (uv >>> 16) & 0xFF, rgb, (row * width + x) * 3);
    }
}
