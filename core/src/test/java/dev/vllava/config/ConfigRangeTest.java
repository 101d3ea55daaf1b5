package dev.vllava.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vllava.Failure;
import dev.vllava.VllavaException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every value that sizes something is range-checked as config.json is read, before any allocation:
 * the error is a checkpoint error (exit 4) naming config.json, the key and the value.
 */
class ConfigRangeTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{\"text_config\": {\"hidden_size\": 0}}                                    | text_config.hidden_size = 0",
        "{\"text_config\": {\"vocab_size\": -5}}                                    | text_config.vocab_size = -5",
        "{\"text_config\": {\"num_hidden_layers\": 1000000000}}                     | text_config.num_hidden_layers = 1000000000",
        "{\"text_config\": {\"max_position_embeddings\": 0}}                        | text_config.max_position_embeddings = 0",
        "{\"text_config\": {\"hidden_size\": 100, \"num_attention_heads\": 3}}      | text_config.num_attention_heads = 3",
        "{\"text_config\": {\"num_attention_heads\": 32, \"num_key_value_heads\": 5}} | text_config.num_key_value_heads = 5",
        "{\"text_config\": {\"rms_norm_eps\": -1}}                                  | text_config.rms_norm_eps = -1.0",
        "{\"vision_config\": {\"image_size\": 0}}                                   | vision_config.image_size = 0",
        "{\"vision_config\": {\"image_size\": 224, \"patch_size\": 448}}            | vision_config.patch_size = 448",
        "{\"vision_config\": {\"image_size\": 224, \"patch_size\": 15}}             | vision_config.patch_size = 15",
        "{\"vision_config\": {\"num_channels\": 4}}                                 | vision_config.num_channels = 4",
        "{\"text_config\": {\"vocab_size\": 32064}, \"video_token_index\": 40000}  | config.video_token_index = 40000",
        "{\"text_config\": {\"vocab_size\": 32064}, \"image_token_index\": -1}     | config.image_token_index = -1",
    })
    void aValueOutOfRangeIsACheckpointErrorNamingKeyAndValue(String json, String expected) {
        VllavaException e = assertThrows(VllavaException.class,
                () -> VideoLlavaConfig.fromJson(new ObjectMapper().readTree(json)));
        assertEquals(Failure.CHECKPOINT, e.failure());
        assertTrue(e.getMessage().startsWith("config.json: " + expected + " is out of range"), e.getMessage());
    }
}
