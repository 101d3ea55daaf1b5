package dev.vllava.eval;

import dev.vllava.VllavaException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One of n disjoint parts of a questions file, for running a benchmark on n GPUs / jobs at once.
 *
 * <p>Item k (its 0-based position among the non-blank lines of the questions file,
 * {@link EvalItem#index()}) belongs to shard {@code k mod n}. Chosen over a hash of the id because it
 * balances shards exactly (sizes differ by at most one) and is obvious to check by hand; it depends only on
 * the questions file, never on what a previous run already wrote, so reruns and resumes pick the same
 * items. Editing the questions file (inserting or deleting lines) reassigns items: finish or discard old
 * shard outputs first.
 *
 * @param index 0-based, {@code 0 <= index < count}
 */
public record Shard(int index, int count) {
    /** The whole file. */
    public static final Shard ALL = new Shard(0, 1);

    /** Environment variable holding the number of shards where the scheduler does not say it. */
    public static final String COUNT_VARIABLE = "VLLAVA_SHARD_COUNT";
    /** Environment variable holding the shard index for schedulers we do not know. */
    public static final String INDEX_VARIABLE = "VLLAVA_SHARD_INDEX";

    public Shard {
        if (count < 1 || index < 0 || index >= count) {
            throw VllavaException.usage("shard %d/%d: need 0 <= i < n (i counts from 0)", index, count);
        }
    }

    public boolean contains(EvalItem item) {
        return item.index() % count == index;
    }

    public List<EvalItem> select(List<EvalItem> items) {
        List<EvalItem> selected = new ArrayList<>();
        for (EvalItem item : items) {
            if (contains(item)) {
                selected.add(item);
            }
        }
        return selected;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }

    /** Parses {@code --shard}: {@code i/n} (i from 0) or {@code auto} ({@link #fromEnvironment}). */
    public static Shard parse(String text, Map<String, String> environment) {
        String spec = text.strip();
        if (spec.equalsIgnoreCase("auto")) {
            return fromEnvironment(environment);
        }
        int slash = spec.indexOf('/');
        if (slash < 0) {
            throw VllavaException.usage("--shard '%s': expected i/n (e.g. 0/4) or auto", text);
        }
        return new Shard(number(spec.substring(0, slash), "--shard " + text),
                number(spec.substring(slash + 1), "--shard " + text));
    }

    /**
     * The shard a scheduler assigned to this process, tried in this order:
     * <ol>
     *   <li>Slurm job array ({@code sbatch --array=A-B[:S]}): i = (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN)
     *       / SLURM_ARRAY_TASK_STEP (step 1 when unset), n = SLURM_ARRAY_TASK_COUNT. Arrays given as a list
     *       with gaps ({@code --array=1,5,9}) do not map to 0..n-1 and are refused.
     *   <li>Kubernetes Indexed Job: i = JOB_COMPLETION_INDEX, n = VLLAVA_SHARD_COUNT, which the manifest must
     *       set to the Job's {@code completions} (Kubernetes does not expose it to the pod).
     *   <li>Anything else: VLLAVA_SHARD_INDEX and VLLAVA_SHARD_COUNT.
     * </ol>
     */
    public static Shard fromEnvironment(Map<String, String> env) {
        if (env.containsKey("SLURM_ARRAY_TASK_ID")) {
            int id = number(env.get("SLURM_ARRAY_TASK_ID"), "SLURM_ARRAY_TASK_ID");
            int count = number(require(env, "SLURM_ARRAY_TASK_COUNT", "a Slurm job array"), "SLURM_ARRAY_TASK_COUNT");
            int min = number(require(env, "SLURM_ARRAY_TASK_MIN", "a Slurm job array"), "SLURM_ARRAY_TASK_MIN");
            int step = env.containsKey("SLURM_ARRAY_TASK_STEP")
                    ? number(env.get("SLURM_ARRAY_TASK_STEP"), "SLURM_ARRAY_TASK_STEP") : 1;
            int offset = id - min;
            if (step < 1 || offset % step != 0 || offset / step >= count) {
                throw VllavaException.usage("--shard auto: Slurm array task %d (min %d, step %d, count %d) is not"
                        + " in a range A-B[:S]; use --array=0-%d or --shard i/n", id, min, step, count, count - 1);
            }
            return new Shard(offset / step, count);
        }
        if (env.containsKey("JOB_COMPLETION_INDEX")) {
            int index = number(env.get("JOB_COMPLETION_INDEX"), "JOB_COMPLETION_INDEX");
            String count = env.get(COUNT_VARIABLE);
            if (count == null) {
                throw VllavaException.usage("--shard auto: Kubernetes Indexed Job found (JOB_COMPLETION_INDEX=%d)"
                        + " but %s is not set; set it to the Job's completions", index, COUNT_VARIABLE);
            }
            return new Shard(index, number(count, COUNT_VARIABLE));
        }
        if (env.containsKey(INDEX_VARIABLE) || env.containsKey(COUNT_VARIABLE)) {
            return new Shard(number(require(env, INDEX_VARIABLE, "--shard auto"), INDEX_VARIABLE),
                    number(require(env, COUNT_VARIABLE, "--shard auto"), COUNT_VARIABLE));
        }
        throw VllavaException.usage("--shard auto: no scheduler found (need a Slurm job array, a Kubernetes Indexed"
                + " Job with %s, or %s and %s)", COUNT_VARIABLE, INDEX_VARIABLE, COUNT_VARIABLE);
    }

    private static String require(Map<String, String> env, String name, String context) {
        String value = env.get(name);
        if (value == null) {
            throw VllavaException.usage("--shard auto: %s is not set (needed for %s)", name, context);
        }
        return value;
    }

    private static int number(String text, String what) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw VllavaException.usage("%s: '%s' is not a whole number", what, text);
        }
    }
}
