package dev.vllava.media;

import org.bytedeco.ffmpeg.global.avutil;

/** Process-wide FFmpeg settings: its log is silenced (errors reach the user as one-line media errors). */
final class Ffmpeg {
    private static volatile boolean silenced;

    private Ffmpeg() {
    }

    static void silence() {
        if (!silenced) {
            synchronized (Ffmpeg.class) {
                if (!silenced) {
                    avutil.av_log_set_level(avutil.AV_LOG_QUIET);
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
