package dev.vllava.serve;

import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;

import java.nio.file.Path;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.javacpp.PointerPointer;

/** The container's duration, read from its header before anything is decoded (to refuse over-long videos cheaply). */
final class VideoProbe {
    private VideoProbe() {}

    /** Seconds, or -1 when the container cannot be opened or does not say. */
    static double durationSeconds(Path file) {
        AVFormatContext format = new AVFormatContext(null);
        if (avformat_open_input(format, file.toString(), null, (AVDictionary) null) < 0) {
            return -1;
        }
        try {
            if (avformat_find_stream_info(format, (PointerPointer<?>) null) < 0 || format.duration() == AV_NOPTS_VALUE) {
                return -1;
            }
            return format.duration() / (double) AV_TIME_BASE;
        } finally {
            avformat_close_input(format);
        }
    }
}
