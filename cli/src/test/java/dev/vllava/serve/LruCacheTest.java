package dev.vllava.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LruCacheTest {

    @Test
    void theLeastRecentlyUsedEntryIsEvictedAndHandedToTheCallback() {
        List<String> evicted = new ArrayList<>();
        LruCache<String, String> cache = new LruCache<>(2, evicted::add);
        cache.put("a", "A");
        cache.put("b", "B");
        cache.get("a"); // a is now more recent than b
        cache.put("c", "C");
        assertEquals(List.of("B"), evicted);
        assertNull(cache.get("b"));
        assertEquals("A", cache.get("a"));
        assertEquals(2, cache.size());
    }

    @Test
    void hitsAndMissesAreCounted() {
        LruCache<String, String> cache = new LruCache<>(1, v -> {});
        cache.get("x");
        cache.put("x", "X");
        cache.get("x");
        assertEquals(1, cache.hits());
        assertEquals(1, cache.misses());
    }

    @Test
    void clearEvictsEverything() {
        List<String> evicted = new ArrayList<>();
        LruCache<String, String> cache = new LruCache<>(4, evicted::add);
        cache.put("a", "A");
        cache.put("b", "B");
        cache.clear();
        assertEquals(List.of("A", "B"), evicted);
        assertEquals(0, cache.size());
    }
}
