package dev.vllava.media;

import java.util.regex.Pattern;

/**
 * A media argument as the user gave it. Only local files are read: a URL such as
 * {@code http://host/clip.mp4} is refused by name (as a path it would be normalised into
 * {@code http:/host/clip.mp4} and reported "not found"). Reading URLs would need FFmpeg's network
 * stack with timeouts and an opt-in; downloading first is one command away.
 */
public final class MediaPath {
    private static final Pattern URL = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://");

    private MediaPath() {}

    /** Whether {@code given} is a URL rather than a file path. */
    public static boolean isUrl(String given) {
        return URL.matcher(given).find();
    }

    /** The message for a URL given where a file is expected, naming it as given. */
    public static String urlRefused(String given) {
        return given + ": a URL; vllava reads local files only (download it first)";
    }
}
