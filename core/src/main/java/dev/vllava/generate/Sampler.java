package dev.vllava.generate;

import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks the next token from a one-row logits tensor; greedy stays on the engine (argmax), sampling reads the row. */
public final class Sampler {
    private final Engine engine;
    private final SamplingOptions options;
    private final SplittableRandom random;

    public Sampler(Engine engine, SamplingOptions options) {
        this.engine = engine;
        this.options = options;
        this.random = new SplittableRandom(options.seed());
    }

    public int next(Tensor logits) {
        float[] row = engine.download(logits);
        NonFiniteLogits.check(row);
        return options.greedy() ? engine.argmax(logits) : sample(row);
    }

    /** Temperature, then top-k, then top-p (transformers' warper order), then one draw. */
    int sample(float[] logits) {
        int vocab = logits.length;
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
        // best first; ties keep the lower id first so the order (and the draw) is deterministic
        Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        int kept = options.topK() > 0 ? Math.min(options.topK(), vocab) : vocab;
        double[] probabilities = new double[kept];
        double max = logits[order[0]] / options.temperature();
        double sum = 0;
        for (int i = 0; i < kept; i++) {
            probabilities[i] = Math.exp(logits[order[i]] / options.temperature() - max);
            sum += probabilities[i];
        }
        if (options.topP() < 1) {
            // keep the smallest prefix whose mass reaches top_p (at least one token)
            double mass = 0;
            int prefix = 0;
            while (prefix < kept) {
                mass += probabilities[prefix] / sum;
                prefix++;
                if (mass >= options.topP()) {
                    break;
                }
            }
            kept = prefix;
            sum = 0;
            for (int i = 0; i < kept; i++) {
                sum += probabilities[i];
            }
        }
        double draw = random.nextDouble() * sum;
        for (int i = 0; i < kept; i++) {
            draw -= probabilities[i];
            if (draw < 0) {
                return order[i];
            }
        }
        return order[kept - 1];
    }
}
