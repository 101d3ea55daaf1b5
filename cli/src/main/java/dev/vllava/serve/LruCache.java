package dev.vllava.serve;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A map of at most {@code capacity} entries that forgets the least recently used one, handing it to
 * {@code onEvict} (to free engine memory, for instance). Thread-safe.
 */
final class LruCache<K, V> {
    private final int capacity;
    private final Consumer<V> onEvict;
    private final LinkedHashMap<K, V> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long hits;
    private long misses;

    LruCache(int capacity, Consumer<V> onEvict) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.onEvict = onEvict;
    }

    /** The cached value (now the most recent), or null. */
    synchronized V get(K key) {
        V value = entries.get(key);
        if (value == null) {
            misses++;
        } else {
            hits++;
        }
        return value;
    }

    /** Stores {@code value}; evicts the oldest entries beyond the capacity (never {@code value} itself). */
    synchronized void put(K key, V value) {
        V previous = entries.put(key, value);
        if (previous != null && previous != value) {
            onEvict.accept(previous);
        }
        var oldest = entries.entrySet().iterator();
        while (entries.size() > capacity) {
            Map.Entry<K, V> entry = oldest.next();
            oldest.remove();
            onEvict.accept(entry.getValue());
        }
    }

    synchronized int size() {
        return entries.size();
    }

    synchronized long hits() {
        return hits;
    }

    synchronized long misses() {
        return misses;
    }

    /** Evicts everything. */
    synchronized void clear() {
        entries.values().forEach(onEvict);
        entries.clear();
    }
}
