package dev.vllava.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelLoopTest {

    @Test
    void forRangeVisitsEveryIndexExactlyOnceInRangesOfAtLeastTheGrain() {
        try (ParallelLoop loop = new ParallelLoop(3)) {
            for (int count : new int[] {1, 7, 64, 1000, 4097}) {
                AtomicIntegerArray visits = new AtomicIntegerArray(count);
                loop.forRange(count, 16, (start, end) -> {
                    assertTrue(end - start >= Math.min(16, count) || end == count, "range " + start + ".." + end);
                    for (int i = start; i < end; i++) {
                        visits.incrementAndGet(i);
                    }
                });
                assertEquals(count, sum(visits), "visits over " + count + " indices");
                for (int i = 0; i < count; i++) {
                    assertEquals(1, visits.get(i), "index " + i + " of " + count);
                }
            }
        }
    }

    @Test
    void manyLoopsInARowEachSeeTheirOwnBody() {
        try (ParallelLoop loop = new ParallelLoop(2)) {
            long[] totals = new long[2000];
            for (int run = 0; run < totals.length; run++) {
                int value = run;
                long[] partial = new long[8];
                loop.forRange(8, 1, (start, end) -> {
                    for (int i = start; i < end; i++) {
                        partial[i] = value;
                    }
                });
                totals[run] = java.util.Arrays.stream(partial).sum();
            }
            for (int run = 0; run < totals.length; run++) {
                assertEquals(8L * run, totals[run], "loop " + run);
            }
        }
    }

    @Test
    void theWorkIsSharedByTheTeamThreads() {
        try (ParallelLoop loop = new ParallelLoop(2)) {
            Set<Thread> seen = ConcurrentHashMap.newKeySet();
            // Each index waits until two threads have shown up (or a second passes), so both must take part.
            loop.forEach(2, i -> {
                seen.add(Thread.currentThread());
                long until = System.nanoTime() + 1_000_000_000L;
                while (seen.size() < 2 && System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            });
            assertEquals(2, seen.size(), "threads that ran a chunk");
        }
    }

    @Test
    void aLoopStartedInsideAChunkRunsInlineOnThatThread() {
        try (ParallelLoop loop = new ParallelLoop(2)) {
            AtomicIntegerArray visits = new AtomicIntegerArray(4 * 100);
            loop.forEach(4, outer -> {
                Thread thread = Thread.currentThread();
                loop.forRange(100, 1, (start, end) -> {
                    assertSame(thread, Thread.currentThread(), "inner loop thread");
                    for (int i = start; i < end; i++) {
                        visits.incrementAndGet(outer * 100 + i);
                    }
                });
            });
            assertEquals(400, sum(visits));
        }
    }

    @Test
    void aFailingChunkFailsTheLoopAndTheTeamStaysUsable() {
        try (ParallelLoop loop = new ParallelLoop(2)) {
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () ->
                    loop.forEach(16, i -> {
                        if (i == 5) {
                            throw new IllegalStateException("chunk 5");
                        }
                    }));
            assertEquals("chunk 5", thrown.getMessage());
            int[] after = new int[10];
            loop.forRange(10, 1, (start, end) -> {
                for (int i = start; i < end; i++) {
                    after[i] = i;
                }
            });
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, after);
        }
    }

    @Test
    void forBlocksGivesOneRangePerBlock() {
        try (ParallelLoop loop = new ParallelLoop(2)) {
            Set<String> ranges = ConcurrentHashMap.newKeySet();
            loop.forBlocks(10, 4, (start, end) -> ranges.add(start + ".." + end));
            assertEquals(Set.of("0..4", "4..8", "8..10"), ranges);
        }
    }

    private static int sum(AtomicIntegerArray values) {
        int total = 0;
        for (int i = 0; i < values.length(); i++) {
            total += values.get(i);
        }
        return total;
    }
}
