package dev.vllava.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

/**
 * A generated benchmark for end-to-end eval tests: three short H.264 clips and three PNG images of a
 * coloured square (written here with JavaCV's recorder and ImageIO), and a questions file per task whose
 * items mix videos, images and text-only questions with broken ones on purpose: a missing video, a
 * corrupt video, a corrupt image and a prompt too long for a 4096-token context (two tiny-a videos).
 */
public final class MiniBench {
    public static final String[] COLORS = {"red", "green", "blue"};
    private static final Color[] PAINT = {Color.RED, Color.GREEN, Color.BLUE};

    /** The kinds of item, cycling with the item's index. */
    public enum Kind { VIDEO, IMAGE, TEXT, MISSING_VIDEO, CORRUPT_VIDEO, CORRUPT_IMAGE, TOO_LONG }

    private static final Kind[] CYCLE = {Kind.VIDEO, Kind.IMAGE, Kind.IMAGE, Kind.TEXT, Kind.IMAGE, Kind.VIDEO,
        Kind.IMAGE, Kind.MISSING_VIDEO, Kind.IMAGE, Kind.CORRUPT_VIDEO, Kind.IMAGE, Kind.CORRUPT_IMAGE,
        Kind.IMAGE, Kind.TOO_LONG};

    private MiniBench() {}

    public static Kind kind(int index) {
        return CYCLE[index % CYCLE.length];
    }

    public static boolean broken(int index) {
        return kind(index).ordinal() >= Kind.MISSING_VIDEO.ordinal();
    }

    /** Writes the media under {@code dir/media} (once) and {@code dir/<task>.jsonl} with {@code items} items. */
    public static Path write(Path dir, Task task, int items) throws Exception {
        writeMedia(dir.resolve("media"));
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < items; i++) {
            lines.append(Jsonl.write(item(i, task))).append('\n');
        }
        Path questions = dir.resolve(task.cliName() + ".jsonl");
        Files.writeString(questions, lines);
        return questions;
    }

    private static ObjectNode item(int i, Task task) {
        ObjectNode item = Jsonl.MAPPER.createObjectNode();
        item.put("id", task.cliName() + "-" + i);
        int color = i % 3;
        switch (kind(i)) {
            case VIDEO -> item.put("video", "media/clip" + color + ".mp4");
            case IMAGE -> item.put("image", "media/still" + color + ".png");
            case TEXT -> {}
            case MISSING_VIDEO -> item.put("video", "media/missing.mp4");
            case CORRUPT_VIDEO -> item.put("video", "media/corrupt.mp4");
            case CORRUPT_IMAGE -> item.put("image", "media/corrupt.png");
            case TOO_LONG -> item.putArray("videos").add("media/clip0.mp4").add("media/clip1.mp4");
        }
        switch (task) {
            case OPEN -> {
                item.put("question", "What color is the square?");
                item.put("answer", COLORS[color]);
            }
            case YESNO -> {
                item.put("question", "Is the square " + COLORS[(i / 3) % 3] + "?");
                item.put("answer", (i / 3) % 3 == color ? "yes" : "no");
            }
            case CHOICE -> {
                item.put("question", "Which color is the square?");
                ArrayNode options = item.putArray("options");
                for (int k = 0; k < 3; k++) {
                    options.add(COLORS[(k + i) % 3]);
                }
                item.put("answer", String.valueOf((char) ('A' + Math.floorMod(color - i, 3))));
            }
        }
        item.put("type", kind(i).name().toLowerCase());
        return item;
    }

    private static synchronized void writeMedia(Path media) throws Exception {
        if (Files.isDirectory(media)) {
            return;
        }
        Files.createDirectories(media);
        for (int c = 0; c < 3; c++) {
            writeClip(media.resolve("clip" + c + ".mp4"), PAINT[c]);
            ImageIO.write(square(80, 60, PAINT[c], 10), "png", media.resolve("still" + c + ".png").toFile());
        }
        byte[] noise = new byte[4096];
        new java.util.Random(7).nextBytes(noise);
        Files.write(media.resolve("corrupt.mp4"), noise);
        byte[] png = Files.readAllBytes(media.resolve("still0.png"));
        Files.write(media.resolve("corrupt.png"), Arrays.copyOf(png, png.length / 3));
    }

    /** A square of {@code color} on grey, moved right by {@code x}. */
    private static BufferedImage square(int width, int height, Color color, int x) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.GRAY);
        g.fillRect(0, 0, width, height);
        g.setColor(color);
        g.fillRect(x, height / 4, height / 2, height / 2);
        g.dispose();
        return image;
    }

    /** Ten frames of a square moving right, H.264 (the bundled FFmpeg's openh264) in MP4. */
    private static void writeClip(Path file, Color color) throws Exception {
        int width = 80;
        int height = 60;
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), width, height, 0)) {
            recorder.setFormat("mp4");
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_H264);
            recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            recorder.setFrameRate(10);
            recorder.start();
            Frame frame = new Frame(width, height, Frame.DEPTH_UBYTE, 3);
            for (int i = 0; i < 10; i++) {
                byte[] bgr = ((java.awt.image.DataBufferByte) square(width, height, color, 4 * i).getRaster()
                        .getDataBuffer()).getData();
                ByteBuffer buffer = (ByteBuffer) frame.image[0];
                for (int y = 0; y < height; y++) {
                    buffer.position(y * frame.imageStride);
                    buffer.put(bgr, y * width * 3, width * 3);
                }
                buffer.rewind();
                recorder.record(frame, avutil.AV_PIX_FMT_BGR24);
            }
            recorder.stop();
        }
    }
}
