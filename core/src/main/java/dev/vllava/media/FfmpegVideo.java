package dev.vllava.media;

import dev.vllava.VllavaException;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avcodec.AVPacketSideData;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;

import java.nio.file.Path;

import static org.bytedeco.ffmpeg.global.avcodec.*;
import static org.bytedeco.ffmpeg.global.avformat.*;
import static org.bytedeco.ffmpeg.global.avutil.*;
import static org.bytedeco.ffmpeg.global.swscale.*;

/**
 * One open video stream of one file: demuxer, decoder and RGB converter, with the handful of operations
 * {@link VideoDecoder} needs (read packet timestamps, seek, next decoded frame, frame to RGB). Not
 * thread-safe: each decode opens its own; distinct instances may be used from distinct threads.
 */
final class FfmpegVideo implements AutoCloseable {
    private static final int EAGAIN = -11;
    private static final int MAX_DECODE_ERRORS = 100;

    final Path file;
    private final AVFormatContext format;
    private final AVCodecContext codec;
    private final int streamIndex;
    private final AVPacket packet = av_packet_alloc();
    private final AVFrame frame = av_frame_alloc();
    private SwsContext sws;
    private boolean inputDone;
    private boolean drained;
    private int decodeErrors;
    final double timeBase;
    final int[] displayMatrix;

    private FfmpegVideo(Path file, AVFormatContext format, AVCodecContext codec, int streamIndex,
                        double timeBase, int[] displayMatrix) {
        this.file = file;
        this.format = format;
        this.codec = codec;
        this.streamIndex = streamIndex;
        this.timeBase = timeBase;
        this.displayMatrix = displayMatrix;
    }

    static FfmpegVideo open(Path file) {
        return open(file, 0);
    }

    /** Opens the file's best video stream with a decoder of {@code threads} threads (0: FFmpeg's choice). */
    static FfmpegVideo open(Path file, int threads) {
        return open(file, threads, null);
    }

    /**
     * Opens the same file and stream again without probing it: the decoder is set up from the codec
     * parameters {@code probed} found ({@code avformat_find_stream_info} decodes frames, ~0.1 s for
     * 1080p, which parallel decoders would otherwise each pay).
     */
    static FfmpegVideo reopen(FfmpegVideo probed, int threads) {
        return open(probed.file, threads, probed);
    }

    private static FfmpegVideo open(Path file, int threads, FfmpegVideo probed) {
        Ffmpeg.load(file);
        AVFormatContext format = new AVFormatContext(null);
        int ret = avformat_open_input(format, file.toString(), null, (AVDictionary) null);
        if (ret < 0) {
            throw VllavaException.media("%s: cannot read media file (not a format FFmpeg knows, or damaged or truncated): %s",
                    file, Ffmpeg.error(ret));
        }
        AVCodecContext codec = null;
        try {
            int index;
            AVCodecParameters par;
            if (probed == null) {
                ret = avformat_find_stream_info(format, (PointerPointer<?>) null);
                if (ret < 0) {
                    throw VllavaException.media("%s: cannot read media file: %s", file, Ffmpeg.error(ret));
                }
                index = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, (AVCodec) null, 0);
                if (index < 0) {
                    throw VllavaException.media("%s: no video stream in the file", file);
                }
                par = format.streams(index).codecpar();
            } else {
                index = probed.streamIndex;
                if (index >= format.nb_streams()) {
                    throw VllavaException.media("%s: the file changed while it was read", file);
                }
                par = probed.format.streams(index).codecpar();
            }
            AVStream stream = format.streams(index);
            PictureSize.check(file, par.width(), par.height());
            for (int i = 0; i < format.nb_streams(); i++) {
                if (i != index) {
                    format.streams(i).discard(AVDISCARD_ALL);
                }
            }
            AVCodec decoder = avcodec_find_decoder(par.codec_id());
            if (decoder == null) {
                throw VllavaException.media("%s: no decoder for the video codec (%s)", file,
                        avcodec_get_name(par.codec_id()).getString());
            }
            codec = avcodec_alloc_context3(decoder);
            ret = avcodec_parameters_to_context(codec, par);
            if (ret >= 0) {
                codec.thread_count(threads);
                ret = avcodec_open2(codec, decoder, (AVDictionary) null);
            }
            if (ret < 0) {
                throw VllavaException.media("%s: cannot open the video decoder: %s", file, Ffmpeg.error(ret));
            }
            double timeBase = av_q2d(stream.time_base());
            int[] matrix = probed != null ? probed.displayMatrix : displayMatrix(par);
            return new FfmpegVideo(file, format, codec, index, timeBase, matrix);
        } catch (RuntimeException e) {
            if (codec != null) {
                avcodec_free_context(codec);
            }
            avformat_close_input(format);
            throw e;
        }
    }

    private static int[] displayMatrix(AVCodecParameters par) {
        AVPacketSideData side = av_packet_side_data_get(par.coded_side_data(), par.nb_coded_side_data(),
                AV_PKT_DATA_DISPLAYMATRIX);
        if (side == null || side.isNull() || side.size() < 36) {
            return null;
        }
        int[] matrix = new int[9];
        new IntPointer(side.data()).get(matrix);
        return matrix;
    }

    /** A demuxed packet of the video stream: presentation time, and whether it starts a keyframe. */
    record PacketInfo(long pts, boolean key) {
    }

    /**
     * Reads every packet of the video stream without decoding. Returns null when some packet has no
     * presentation timestamp (the timestamps cannot then predict the decoded sequence).
     */
    java.util.List<PacketInfo> packetTimestamps() {
        java.util.List<PacketInfo> packets = new java.util.ArrayList<>();
        boolean complete = true;
        while (av_read_frame(format, packet) >= 0) {
            try {
                if (packet.stream_index() != streamIndex || (packet.flags() & AV_PKT_FLAG_DISCARD) != 0) {
                    continue;
                }
                if (packet.pts() == AV_NOPTS_VALUE) {
                    complete = false;
                }
                packets.add(new PacketInfo(packet.pts(), (packet.flags() & AV_PKT_FLAG_KEY) != 0));
            } finally {
                av_packet_unref(packet);
            }
        }
        return complete ? packets : null;
    }

    /** Seeks to the keyframe at or before {@code pts} and empties the decoder. */
    boolean seek(long pts) {
        int ret = av_seek_frame(format, streamIndex, pts, AVSEEK_FLAG_BACKWARD);
        avcodec_flush_buffers(codec);
        inputDone = false;
        drained = false;
        return ret >= 0;
    }

    /**
     * Decodes the next frame (in presentation order); false at the end of the stream. Like the ffmpeg
     * command line, a packet the decoder rejects is skipped and decoding goes on (the frames that do
     * decode are what counts); only a stream of errors ({@value #MAX_DECODE_ERRORS}) is a media error.
     */
    boolean nextFrame() {
        while (true) {
            if (drained) {
                return false;
            }
            int ret = avcodec_receive_frame(codec, frame);
            if (ret >= 0) {
                return true;
            }
            if (ret == AVERROR_EOF()) {
                drained = true;
                return false;
            }
            if (ret != EAGAIN) {
                decodeError(ret);
                continue;
            }
            if (inputDone) {
                // Already flushed and the decoder wants more: nothing more will come.
                drained = true;
                return false;
            }
            sendNextPacket();
        }
    }

    private void decodeError(int ret) {
        if (++decodeErrors > MAX_DECODE_ERRORS) {
            throw VllavaException.media("%s: cannot decode video: %s", file, Ffmpeg.error(ret));
        }
    }

    private void sendNextPacket() {
        while (true) {
            int ret = av_read_frame(format, packet);
            if (ret < 0) {
                inputDone = true;
                avcodec_send_packet(codec, null);
                return;
            }
            try {
                if (packet.stream_index() != streamIndex) {
                    continue;
                }
                ret = avcodec_send_packet(codec, packet);
                if (ret < 0 && ret != EAGAIN) {
                    decodeError(ret);
                }
                return;
            } finally {
                av_packet_unref(packet);
            }
        }
    }

    /** Presentation timestamp of the current frame (its best-effort timestamp if it has none). */
    long framePts() {
        long pts = frame.pts();
        return pts != AV_NOPTS_VALUE ? pts : frame.best_effort_timestamp();
    }

    /** The current frame's pixel format ({@code AV_PIX_FMT_*}). */
    int framePixelFormat() {
        return frame.format();
    }

    /** The decoder's codec ({@code AV_CODEC_ID_*}). */
    int codecId() {
        return codec.codec_id();
    }

    /** Plane {@code p} of the current frame: {@code rows} rows of {@code rowBytes}, packed. */
    byte[] framePlane(int p, int rows, int rowBytes) {
        byte[] out = new byte[rows * rowBytes];
        BytePointer data = frame.data(p);
        int stride = frame.linesize(p);
        for (int r = 0; r < rows; r++) {
            data.position((long) r * stride).get(out, r * rowBytes, rowBytes);
        }
        data.position(0);
        return out;
    }

    int frameWidth() {
        return frame.width();
    }

    int frameHeight() {
        return frame.height();
    }

    /**
     * The current frame as packed RGB24, converted as PyAV's {@code to_ndarray(format='rgb24')} does:
     * libswscale, same size, {@code SWS_BILINEAR}, colourspace details left at swscale's defaults (BT.601
     * matrix; limited range except for the {@code yuvj*} formats). PyAV 10 does not pass the stream's
     * colour tags to swscale, so a BT.709-tagged HD video is converted with BT.601 there too: kept on
     * purpose, the model is checked against that reference (the ffmpeg CLI would differ by a few levels
     * in saturated colours on such files).
     */
    byte[] frameRgb() {
        int width = frame.width();
        int height = frame.height();
        PictureSize.check(file, width, height);
        sws = sws_getCachedContext(sws, width, height, frame.format(), width, height, AV_PIX_FMT_RGB24,
                SWS_BILINEAR, null, null, (DoublePointer) null);
        if (sws == null) {
            throw VllavaException.media("%s: cannot convert pixel format %d to RGB", file, frame.format());
        }
        int stride = (width * 3 + 63) & ~63;
        BytePointer buffer = new BytePointer(av_malloc((long) stride * height + 64));
        try {
            PointerPointer<BytePointer> dst = new PointerPointer<>(buffer, null, null, null);
            IntPointer dstStride = new IntPointer(stride, 0, 0, 0);
            sws_scale(sws, new PointerPointer<>(frame), frame.linesize(), 0, height, dst, dstStride);
            byte[] rgb = new byte[width * height * 3];
            for (int y = 0; y < height; y++) {
                buffer.position((long) y * stride).get(rgb, y * width * 3, width * 3);
            }
            dst.close();
            dstStride.close();
            return rgb;
        } finally {
            av_free(buffer.position(0));
        }
    }

    @Override
    public void close() {
        if (sws != null) {
            sws_freeContext(sws);
        }
        av_frame_free(frame);
        av_packet_free(packet);
        avcodec_free_context(codec);
        avformat_close_input(format);
    }
}
