package dev.vllava.media;

/**
 * Turns frames upright according to the stream's display matrix, as the ffmpeg command line's
 * autorotate does ({@code transpose=clock} for 90 degrees, {@code hflip,vflip} for 180,
 * {@code transpose=cclock} for 270, and the mirrored variants when the matrix flips).
 *
 * <p>The reference (PyAV {@code to_ndarray}) ignores rotation, so a phone video shot upright reaches
 * the reference model lying on its side; vllava shows the model the picture a person sees. Files without
 * rotation metadata (the golden data) are unaffected.
 */
final class Rotation {
    enum Turn {
        NONE, CLOCK, CCLOCK, CLOCK_FLIP, CCLOCK_FLIP, HFLIP, VFLIP, HVFLIP
    }

    private Rotation() {
    }

    /** The turn for a display matrix (null: none). */
    static Turn of(int[] matrix) {
        if (matrix == null) {
            return Turn.NONE;
        }
        double theta = -org.bytedeco.ffmpeg.global.avutil.av_display_rotation_get(matrix);
        if (Double.isNaN(theta)) {
            return Turn.NONE;
        }
        theta -= 360 * Math.floor(theta / 360 + 0.9 / 360);
        if (Math.abs(theta - 90) < 1.0) {
            return matrix[3] > 0 ? Turn.CCLOCK_FLIP : Turn.CLOCK;
        }
        if (Math.abs(theta - 270) < 1.0) {
            return matrix[3] < 0 ? Turn.CLOCK_FLIP : Turn.CCLOCK;
        }
        if (Math.abs(theta - 180) < 1.0) {
            boolean h = matrix[0] < 0;
            boolean v = matrix[4] < 0;
            return h && v ? Turn.HVFLIP : h ? Turn.HFLIP : v ? Turn.VFLIP : Turn.NONE;
        }
        return Turn.NONE;
    }

    /** Clockwise degrees the turn rotates by (for reports). */
    static int degrees(Turn turn) {
        return switch (turn) {
            case CLOCK, CLOCK_FLIP -> 90;
            case CCLOCK, CCLOCK_FLIP -> 270;
            case HVFLIP -> 180;
            default -> 0;
        };
    }

    static Frame apply(Frame in, Turn turn) {
        if (turn == Turn.NONE) {
            return in;
        }
        int w = in.width();
        int h = in.height();
        boolean swap = turn == Turn.CLOCK || turn == Turn.CCLOCK || turn == Turn.CLOCK_FLIP || turn == Turn.CCLOCK_FLIP;
        int outW = swap ? h : w;
        int outH = swap ? w : h;
        byte[] src = in.rgb();
        byte[] dst = new byte[src.length];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                int sx;
                int sy;
                switch (turn) {
                    case CLOCK -> { sx = y; sy = h - 1 - x; }
                    case CCLOCK -> { sx = w - 1 - y; sy = x; }
                    case CCLOCK_FLIP -> { sx = y; sy = x; }
                    case CLOCK_FLIP -> { sx = w - 1 - y; sy = h - 1 - x; }
                    case HFLIP -> { sx = w - 1 - x; sy = y; }
                    case VFLIP -> { sx = x; sy = h - 1 - y; }
                    default -> { sx = w - 1 - x; sy = h - 1 - y; }
                }
                System.arraycopy(src, (sy * w + sx) * 3, dst, (y * outW + x) * 3, 3);
            }
        }
        return new Frame(dst, outW, outH, in.index(), in.timeSeconds());
    }
}
