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
