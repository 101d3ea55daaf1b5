package dev.vllava.media;

import dev.vllava.VllavaException;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avutil;

/** Process-wide FFmpeg settings: its log is silenced (errors reach the user as one-line media errors). */
final class Ffmpeg {
    private static volatile boolean silenced;

    private Ffmpeg() {
    }

    /**
     * Loads FFmpeg's natives and silences its log, before {@code file} is opened with it. A build without
     * the natives (the -slim dist) makes that a media error naming the file, not a stack trace.
     */
    static void load(Path file) {
        if (!silenced) {
            synchronized (Ffmpeg.class) {
                if (!silenced) {
                    try {
                        avutil.av_log_set_level(avutil.AV_LOG_QUIET);
                    } catch (LinkageError e) { // UnsatisfiedLinkError, then NoClassDefFoundError on later calls
                        throw VllavaException.media("%s: cannot decode: this build has no FFmpeg (the -slim dist decodes "
                                + "PNG, JPEG, BMP and GIF images only)", file);
                    }
                    silenced = true;
                }
            }
        }
    }

    /** FFmpeg's text for an error code. */
    static String error(int code) {
        byte[] text = new byte[256];
        avutil.av_strerror(code, text, text.length);
        int n = 0;
        while (n < text.length && text[n] != 0) {
            n++;
        }
        return new String(text, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }
}
