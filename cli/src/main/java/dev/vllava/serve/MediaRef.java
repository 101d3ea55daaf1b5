package dev.vllava.serve;

import dev.vllava.model.VisualInput;

/** One {@code image_url} or {@code video_url} content part: which kind of medium, and where its bytes are. */
record MediaRef(VisualInput.Kind kind, String url) {}
