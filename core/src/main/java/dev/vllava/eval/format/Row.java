package dev.vllava.eval.format;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One item of an original benchmark file, mapped onto the fields of a vllava questions line.
 *
 * @param number where it was in the original file (1-based element, line or row), for messages
 */
public record Row(int number, ObjectNode fields) {}
