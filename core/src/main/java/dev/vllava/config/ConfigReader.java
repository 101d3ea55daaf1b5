package dev.vllava.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vllava.VllavaException;

/** Typed reads of one JSON object of config.json, with defaults and errors that name the key. */
final class ConfigReader {
    private final JsonNode node;
    private final String where;

    ConfigReader(JsonNode node, String where) {
        if (node != null && !node.isNull() && !node.isObject()) {
            throw VllavaException.checkpoint("config.json: %s is not a JSON object", where);
        }
        this.node = node;
        this.where = where;
    }

    boolean has(String key) {
        return node != null && node.hasNonNull(key);
    }

    int integer(String key, int fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode value = node.get(key);
        if (!value.canConvertToInt() || !value.isIntegralNumber()) {
            throw wrongType(key, "an integer");
        }
        return value.intValue();
    }

    /** An integer that must lie in {@code [min, max]}: the error names config.json, the key and the value. */
    int integer(String key, int fallback, int min, int max) {
        int value = integer(key, fallback);
        if (value < min || value > max) {
            throw outOfRange(key, value, min + ".." + max);
        }
        return value;
    }

    /** A finite number in the open interval {@code (lowExclusive, highExclusive)}. */
    double number(String key, double fallback, double lowExclusive, double highExclusive) {
        double value = number(key, fallback);
        if (!(value > lowExclusive && value < highExclusive)) {
            throw outOfRange(key, value, "between " + lowExclusive + " and " + highExclusive + ", exclusive");
        }
        return value;
    }

    /** The error for a value whose type is right but whose range is not ({@code expected} says the range). */
    VllavaException outOfRange(String key, Object value, String expected) {
        return VllavaException.checkpoint("config.json: %s.%s = %s is out of range (expected %s)", where, key, value, expected);
    }

    double number(String key, double fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode value = node.get(key);
        if (!value.isNumber()) {
            throw wrongType(key, "a number");
        }
        return value.doubleValue();
    }

    boolean bool(String key, boolean fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode value = node.get(key);
        if (!value.isBoolean()) {
            throw wrongType(key, "true or false");
        }
        return value.booleanValue();
    }

    String string(String key, String fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode value = node.get(key);
        if (!value.isTextual()) {
            throw wrongType(key, "a string");
        }
        return value.textValue();
    }

    JsonNode child(String key) {
        return has(key) ? node.get(key) : null;
    }

    VllavaException unsupported(String key, String reason) {
        return VllavaException.checkpoint("config.json: %s.%s: %s", where, key, reason);
    }

    private VllavaException wrongType(String key, String expected) {
        return VllavaException.checkpoint("config.json: %s.%s must be %s, found %s", where, key, expected, node.get(key));
    }
}
