package dev.vllava.serve;

import dev.vllava.model.MediaKind;

/** One {@code image_url} or {@code video_url} content part: which kind of medium, and where its bytes are. */
record MediaUrl(MediaKind kind, String url) {}
