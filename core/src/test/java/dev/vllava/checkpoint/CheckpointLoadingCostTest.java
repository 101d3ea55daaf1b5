package dev.vllava.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening a checkpoint must cost the same for 14 GB as for 1 MB: it reads config.json and the
 * safetensors headers, and maps the rest without touching it. Checked on a sparse checkpoint with
 * the real 7B shapes (F16, about 14.7 GB of holes) two ways that each fail if the loader read
 * tensor data: the bytes the process read through read(2), and the page-cache residency (mincore)
 * of every tensor's pages, with a control showing that touching a tensor does make its page resident.
 */
class CheckpointLoadingCostTest {
    @TempDir
    static Path dir;

    static Path model;

    @BeforeAll
    static void writeSparse7b() {
        model = dir.resolve("video-llava-7b-synthetic");
        SyntheticCheckpoint.writeSparse(model, SyntheticCheckpoint.VIDEO_LLAVA_7B, 3, DType.F16);
        // Load the loader's classes once, so that class loading does not count as reading below.
        Checkpoint.open(Path.of("../testdata/tiny-a/model")).close();
    }

    @Test
    void opensA14GigabyteShardedCheckpointByReadingOnlyItsHeaders() throws IOException {
        long totalBytes = 0;
        try (var shards = Files.list(model)) {
            for (Path shard : shards.filter(p -> p.toString().endsWith(".safetensors")).toList()) {
                totalBytes += Files.size(shard);
            }
        }
        assertTrue(totalBytes > 14_000_000_000L, "the synthetic 7B F16 checkpoint is about 14.7 GB, was " + totalBytes);
        long readBefore = bytesReadByProcess();
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            long read = bytesReadByProcess() - readBefore;
            assertEquals(3, checkpoint.files().size());
            assertTrue(read < 16L << 20, "opening read " + read + " bytes; headers and config are under 1 MB, data is 14 GB");
        }
    }

    @Test
    void leavesEveryTensorPageUntouchedUntilATensorIsRead() {
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            List<TensorData> tensors = List.copyOf(checkpoint.tensors());
            for (TensorData tensor : tensors) {
                assertFalse(pageOf(tensor, 0).isLoaded() || pageOf(tensor, tensor.data().byteSize() - 1).isLoaded(),
                        "opening must not touch the data of " + tensor.name());
            }
            TensorData lmHead = checkpoint.tensor("language_model.lm_head.weight");
            long middle = lmHead.data().byteSize() / 2;
            assertEquals(0, lmHead.data().get(ValueLayout.JAVA_SHORT_UNALIGNED, middle), "sparse holes read as zeros");
            assertTrue(pageOf(lmHead, middle).isLoaded(),
                    "control: reading a tensor makes its page resident, so the check above can see a read");
        }
    }

    private static MemorySegment pageOf(TensorData tensor, long offset) {
        return tensor.data().asSlice(offset, 1);
    }

    /** {@code rchar} of /proc/self/io: every byte this process got from read(2)-like calls, page cache or not. */
    private static long bytesReadByProcess() throws IOException {
        Path io = Path.of("/proc/self/io");
        assumeTrue(Files.isReadable(io), "needs Linux /proc/self/io");
        for (String line : Files.readAllLines(io)) {
            if (line.startsWith("rchar:")) {
                return Long.parseLong(line.substring(6).trim());
            }
        }
        throw new IllegalStateException("no rchar in /proc/self/io");
    }
}
