package dev.vllava.media;

/** Which frames of a video the model sees. */
public final class FrameSampler {
    private FrameSampler() {
    }

    /**
     * {@code np.linspace(0, total - 1, count).astype(int)}, reproduced operation by operation (float64
     * {@code i * step}, the last value set to {@code stop} exactly, truncation toward zero), so that a
     * clip with fewer frames than {@code count} repeats indices exactly as the reference does
     * (5 frames, count 8 -> 0,0,1,1,2,2,3,4).
     */
    public static int[] uniformIndices(int total, int count) {
        if (total < 1 || count < 1) {
            throw new IllegalArgumentException("cannot sample " + count + " of " + total + " frames");
        }
        double start = 0.0;
        double stop = total - 1;
        int[] indices = new int[count];
        if (count == 1) {
            indices[0] = (int) start;
            return indices;
        }
        int div = count - 1;
        double delta = stop - start;
        double step = delta / div;
        for (int i = 0; i < count; i++) {
            double y = step == 0.0 ? ((double) i / div) * delta : (double) i * step;
            indices[i] = (int) (y + start);
        }
        indices[count - 1] = (int) stop;
        return indices;
    }
}
