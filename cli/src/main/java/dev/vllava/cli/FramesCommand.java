package dev.vllava.cli;

import dev.vllava.VllavaException;
import dev.vllava.checkpoint.SafeTensorsWriter;
import dev.vllava.media.Frame;
import dev.vllava.media.ImageDecoder;
import dev.vllava.media.ImageProcessor;
import dev.vllava.media.MediaLoader;
import dev.vllava.media.PixelValues;
import dev.vllava.media.PreprocessorConfig;
import dev.vllava.media.VideoDecoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code vllava frames}: what the model sees of a video or image. Writes each sampled frame after resize
 * and crop ({@code frame-00.png}, ...), a contact sheet labelled with frame indices and times
 * ({@code contact-sheet.png}) and the exact model input ({@code pixels.safetensors}, F32
 * {@code pixel_values [N,3,S,S]}); prints the sampled frame indices on stdout.
 */
@Command(
        name = "frames",
        mixinStandardHelpOptions = true,
        description = {
            "Show what the model sees of a video or image.",
            "Writes the sampled frames after resize and crop, a contact sheet and the pixel values;",
            "prints the sampled frame indices."
        })
public final class FramesCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", converter = MediaPathConverter.class, description = "A video (any format FFmpeg reads) or an image.")
    Path file;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "8",
            description = "Frames to sample from a video (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--model", paramLabel = "DIR",
            description = "Model folder: its preprocessor_config.json gives the sizes, mean and std.")
    Path model;

    @Option(names = "--size", paramLabel = "S",
            description = "Without --model: shortest edge and crop size with the CLIP mean/std (default 224).")
    Integer size;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Folder to write into (created).")
    Path out;

    @Option(names = "--image", description = "Treat FILE as an image (default: by its extension; a GIF is an image).")
    boolean image;

    private final PrintWriter stdout;

    public FramesCommand() {
        this(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
    }

    /** For tests: explicit stdout. */
    FramesCommand(PrintWriter stdout) {
        this.stdout = stdout;
    }

    @Override
    public Integer call() {
        if (model != null && size != null) {
            throw VllavaException.usage("give --model or --size, not both");
        }
        if (size != null && (size < 1 || size > 4096)) {
            throw VllavaException.usage("--size must be in 1..4096, not %d", size);
        }
        PreprocessorConfig config = model != null ? PreprocessorConfig.load(model)
                : PreprocessorConfig.defaults(size != null ? size : 224);
        ImageProcessor processor = new ImageProcessor(config);
        boolean still = image || MediaLoader.isImage(file);
        List<Frame> decoded = still ? List.of(ImageDecoder.decode(file)) : VideoDecoder.sample(file, frames).frames();
        Frame[] seen = decoded.parallelStream().map(processor::resizeAndCrop).toArray(Frame[]::new);
        PixelValues pixels = processor.pixelValues(seen);

        createFolder(out);
        removeStaleFrames(out, seen.length);
        for (int i = 0; i < seen.length; i++) {
            writePng(toImage(seen[i]), out.resolve(String.format(Locale.ROOT, "frame-%02d.png", i)));
        }
        writePng(ContactSheet.draw(seen, still), out.resolve("contact-sheet.png"));
        writePixels(pixels, out.resolve("pixels.safetensors"), file);
        stdout.println(Arrays.stream(pixels.frameIndices()).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
        stdout.flush();
        return 0;
    }

    private static void createFolder(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw VllavaException.usage("%s: cannot create the output folder: %s", dir, e.getMessage());
        }
    }

    /** Removes {@code frame-NN.png} files a previous run with more frames left behind. */
    private static void removeStaleFrames(Path dir, int keep) {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.matches("frame-\\d{2,}\\.png") && Integer.parseInt(name.substring(6, name.length() - 4)) >= keep) {
                    Files.delete(f);
                }
            }
        } catch (IOException e) {
            throw VllavaException.usage("%s: cannot list the output folder: %s", dir, e.getMessage());
        }
    }

    public static BufferedImage toImage(Frame frame) {
        BufferedImage image = new BufferedImage(frame.width(), frame.height(), BufferedImage.TYPE_INT_RGB);
        int[] argb = new int[frame.width() * frame.height()];
        byte[] rgb = frame.rgb();
        for (int i = 0; i < argb.length; i++) {
            argb[i] = (rgb[3 * i] & 0xFF) << 16 | (rgb[3 * i + 1] & 0xFF) << 8 | (rgb[3 * i + 2] & 0xFF);
        }
        image.setRGB(0, 0, frame.width(), frame.height(), argb, 0, frame.width());
        return image;
    }

    private static void writePng(BufferedImage image, Path path) {
        try {
            if (!ImageIO.write(image, "png", path.toFile())) {
                throw new IOException("no PNG writer");
            }
        } catch (IOException e) {
            throw VllavaException.usage("%s: cannot write: %s", path, e.getMessage());
        }
    }

    /** {@code pixel_values} F32 [N, 3, S, S], little-endian, with the sampled indices in the metadata. */
    private static void writePixels(PixelValues pixels, Path path, Path source) {
        ByteBuffer bytes = ByteBuffer.allocate(pixels.values().length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(pixels.values());
        long[] shape = {pixels.frames(), 3, pixels.size(), pixels.size()};
        Map<String, String> metadata = Map.of(
                "source", source.toString(),
                "frame_indices", Arrays.toString(pixels.frameIndices()));
        try {
            SafeTensorsWriter.write(path, metadata, List.of(new SafeTensorsWriter.Tensor("pixel_values", "F32", shape, bytes.array())));
        } catch (RuntimeException e) {
            throw VllavaException.usage("%s: cannot write: %s", path, e.getMessage());
        }
    }

    /**
     * The frames side by side (up to 4 a row), each captioned with its frame index and time. The captions
     * use a small built-in pixel font, so the sheet needs no system fonts (headless servers often have none).
     */
    static final class ContactSheet {
        private static final int COLUMNS = 4;
        private static final int GAP = 4;
        private static final int SCALE = 2;
        private static final int CAPTION = 7 * SCALE + 2 * GAP;
        /** 5x7 glyphs, one row per string, '#' = ink. */
        private static final Map<Character, String[]> GLYPHS = Map.ofEntries(
                Map.entry('0', new String[] {".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."}),
                Map.entry('1', new String[] {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."}),
                Map.entry('2', new String[] {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"}),
                Map.entry('3', new String[] {"####.", "....#", "....#", ".###.", "....#", "....#", "####."}),
                Map.entry('4', new String[] {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."}),
                Map.entry('5', new String[] {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."}),
                Map.entry('6', new String[] {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."}),
                Map.entry('7', new String[] {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."}),
                Map.entry('8', new String[] {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."}),
                Map.entry('9', new String[] {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."}),
                Map.entry('#', new String[] {".#.#.", ".#.#.", "#####", ".#.#.", "#####", ".#.#.", ".#.#."}),
                Map.entry('.', new String[] {".....", ".....", ".....", ".....", ".....", ".##..", ".##.."}),
                Map.entry('s', new String[] {".....", ".....", ".####", "#....", ".###.", "....#", "####."}),
                Map.entry(' ', new String[] {".....", ".....", ".....", ".....", ".....", ".....", "....."}));

        private ContactSheet() {
        }

        static BufferedImage draw(Frame[] frames, boolean still) {
            int cell = frames[0].width();
            int columns = Math.min(COLUMNS, frames.length);
            int rows = (frames.length + columns - 1) / columns;
            int width = GAP + columns * (cell + GAP);
            int height = GAP + rows * (cell + CAPTION);
            BufferedImage sheet = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            for (int i = 0; i < frames.length; i++) {
                int x = GAP + (i % columns) * (cell + GAP);
                int y = GAP + (i / columns) * (cell + CAPTION);
                BufferedImage picture = toImage(frames[i]);
                sheet.setRGB(x, y, cell, cell, picture.getRGB(0, 0, cell, cell, null, 0, cell), 0, cell);
                String caption = still ? "#0"
                        : String.format(Locale.ROOT, "#%d %.2fs", frames[i].index(), frames[i].timeSeconds());
                text(sheet, caption, x, y + cell + GAP);
            }
            return sheet;
        }

        private static void text(BufferedImage sheet, String text, int x, int y) {
            for (char c : text.toCharArray()) {
                String[] glyph = GLYPHS.getOrDefault(c, GLYPHS.get(' '));
                for (int gy = 0; gy < 7; gy++) {
                    for (int gx = 0; gx < 5; gx++) {
                        if (glyph[gy].charAt(gx) == '#') {
                            fill(sheet, x + gx * SCALE, y + gy * SCALE, SCALE, 0xFFFFFF);
                        }
                    }
                }
                x += 6 * SCALE;
            }
        }

        private static void fill(BufferedImage image, int x, int y, int size, int rgb) {
            for (int dy = 0; dy < size; dy++) {
                for (int dx = 0; dx < size; dx++) {
                    if (x + dx < image.getWidth() && y + dy < image.getHeight()) {
                        image.setRGB(x + dx, y + dy, rgb);
                    }
                }
            }
        }
    }
}
