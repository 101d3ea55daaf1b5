package dev.vllava.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerationConfigTest {
    @TempDir
    Path dir;

    @Test
    void readsASingleEosId() throws IOException {
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": 2, \"max_new_tokens\": 8}");
        GenerationConfig config = GenerationConfig.load(dir);
        assertEquals(Set.of(2), config.eosTokenIds());
        assertEquals(OptionalInt.of(8), config.maxNewTokens());
    }

    @Test
    void readsAListOfEosIds() throws IOException {
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [2, 32000]}");
        assertEquals(Set.of(2, 32000), GenerationConfig.load(dir).eosTokenIds());
    }

    @Test
    void absentFileMeansNoOverrides() {
        assertEquals(GenerationConfig.ABSENT, GenerationConfig.load(dir));
    }
}
