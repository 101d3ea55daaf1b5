package dev.vllava.eval;

import dev.vllava.model.MediaKind;
import java.nio.file.Path;

/**
 * One medium an item asks about: the placeholder kind and the file, already resolved against the media
 * root. Existence is not checked here; the {@link MediaPreparer} reports missing or corrupt files.
 */
public record MediaRef(MediaKind kind, Path path) {}
