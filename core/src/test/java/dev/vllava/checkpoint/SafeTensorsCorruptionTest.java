package dev.vllava.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a safetensors file can be cut or garbled gives one line naming the file, never an out-of-bounds read. */
class SafeTensorsCorruptionTest {
    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("model.safetensors");
    }

    /** Two F32 tensors, a[2,3] at bytes [0, 24) and b[4] at [24, 40), with b's entry given by the caller. */
    private String header(String b) {
        return "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},\"b\":" + b + "}";
    }

    private String failure() {
        VllavaException e = assertThrows(VllavaException.class, () -> SafeTensorsFile.open(file()).close());
        assertEquals(Failure.CHECKPOINT, e.failure());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(file().toString()), "names the file: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void acceptsTheWellFormedBaseline() throws IOException {
        HeaderSurgery.writeRaw(file(), header("{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[24,40]}"), 40);
        try (SafeTensorsFile f = SafeTensorsFile.open(file())) {
            assertEquals(2, f.entries().size());
            assertEquals(6, f.floats("a").length);
        }
    }

    @Test
    void reportsAFileShorterThanTheHeaderLength() throws IOException {
        Files.write(file(), new byte[] {1, 2, 3, 4, 5});
        assertTrue(failure().endsWith("truncated: 5 bytes, shorter than the 8-byte header length"));
    }

    @Test
    void reportsAHeaderLengthPastTheEndOfTheFile() throws IOException {
        byte[] bytes = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array();
        Files.write(file(), bytes);
        assertTrue(failure().endsWith("truncated: header of 1000 bytes runs past the end of the 20-byte file"));
    }

    @Test
    void reportsAnAbsurdHeaderLength() throws IOException {
        byte[] bytes = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).array();
        Files.write(file(), bytes);
        assertTrue(failure().contains("header length 18446744073709551615 is not a plausible"));
    }

    @Test
    void reportsAHeaderThatIsNotJson() throws IOException {
        HeaderSurgery.writeRaw(file(), "{\"a\": {\"dtype\": \"F32\", ", 40);
        assertTrue(failure().contains("corrupt: header is not valid JSON"));
    }

    @Test
    void reportsAHeaderThatIsNotAnObject() throws IOException {
        HeaderSurgery.writeRaw(file(), "[1, 2, 3]", 40);
        assertTrue(failure().endsWith("corrupt: header is not a JSON object"));
    }

    @Test
    void reportsADuplicatedTensorName() throws IOException {
        HeaderSurgery.writeRaw(file(), header("{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[24,40]},\"a\":{}"), 40);
        assertTrue(failure().contains("Duplicate field 'a'"));
    }

    @Test
    void reportsDataOffsetsPastTheEndOfATruncatedFile() throws IOException {
        HeaderSurgery.writeRaw(file(), header("{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[24,40]}"), 30);
        assertTrue(failure().endsWith("truncated: tensor b ends past the 30 bytes of data (the header needs 40)"));
    }

    @Test
    void reportsNegativeDataOffsets() throws IOException {
        HeaderSurgery.writeRaw(file(), header("{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[-16,0]}"), 40);
        assertTrue(failure().endsWith("tensor b: data_offsets is not a pair of non-negative integers"));
    }

    @Test
    void reportsReversedDataOffsets() throws IOException {
        HeaderSurgery.writeRaw(file(), header("{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[40,24]}"), 40);
        assertTrue(failure().endsWith("tensor b: data_offsets [40, 24] are reversed"));
    }

    @Test
    void reportsDataOffsetsThatDisagreeWithShapeAndDtype() throws IOException {
        HeaderSurgery.writeRaw(file(), header("{\"dtype\":\"F32\",\"shape\":[5],\"data_offsets\":[24,40]}"), 40);
        assertTrue(failure().endsWith("tensor b: data_offsets [24, 40] hold 16 bytes but F32[5] needs 20"));
    }

    @Test
    void reportsAnAbsurdlyLargeShapeWithoutOverflowing() throws IOException {
        HeaderSurgery.writeRaw(file(), header("{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[24,40]}"), 40);
        assertTrue(failure().endsWith("is absurdly large"));
    }

    @Test
    void reportsOverlappingTensors() throws IOException {
        HeaderSurgery.writeRaw(file(), header("{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,32]}"), 40);
        assertTrue(failure().endsWith("tensors a and b overlap (data_offsets [0, 24] and [16, 32])"));
    }

    @Test
    void reportsAnUnknownDtype() throws IOException {
        HeaderSurgery.writeRaw(file(), header("{\"dtype\":\"Q4_K\",\"shape\":[4],\"data_offsets\":[24,40]}"), 40);
        assertTrue(failure().endsWith("tensor b: unknown dtype Q4_K"));
    }

    @Test
    void countsFurtherProblemsAfterTheFirst() throws IOException {
        HeaderSurgery.writeRaw(file(), "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,4]},\"c\":{\"dtype\":\"X\",\"shape\":[],\"data_offsets\":[0,0]}}", 16);
        assertTrue(failure().endsWith("(and 2 more problems)"));
    }
}
