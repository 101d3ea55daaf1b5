package dev.vllava.media;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every clip of the shapes bench: the reference's frame counts and indices, and seeking equals full decoding. */
class ShapesBenchMediaTest {
    static final Path BENCH = Path.of("../testdata/shapes/bench");

    @Test
    void everyBenchVideoSamplesTheReferenceIndicesBySeeking() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(BENCH.resolve("reference_predictions.jsonl"));
        int videos = 0;
        for (String line : lines) {
            JsonNode item = json.readTree(line);
            if (!"video".equals(item.path("media").asText())) {
                continue;
            }
            Path file = BENCH.resolve("media").resolve(item.path("id").asText() + ".mp4");
            List<Integer> expected = new ArrayList<>();
            item.path("frame_indices").forEach(n -> expected.add(n.asInt()));
            DecodedVideo video = VideoDecoder.sample(file, 8);
            assertEquals(item.path("num_decoded_frames").asInt(), video.totalFrames(), file + " frame count");
            assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), video.frameIndices(), file.toString());
            VideoDecoderTest.assertSameAsFullDecode(file, 8);
            videos++;
        }
        assertTrue(videos > 0, "bench videos found");
    }
}
