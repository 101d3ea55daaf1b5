package dev.vllava.tokenizer;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.io.BoundedInput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a sentencepiece {@code ModelProto} ({@code tokenizer.model}) that encoding and decoding need, read
 * with a small protobuf wire-format reader: {@code pieces = 1 {piece = 1, score = 2, type = 3}},
 * {@code trainer_spec = 2 {model_type = 3, byte_fallback = 35, unk_surface = 44}},
 * {@code normalizer_spec = 3 {name = 1, precompiled_charsmap = 2, add_dummy_prefix = 3,
 * remove_extra_whitespaces = 4, escape_whitespaces = 5}}. Unknown fields are skipped.
 */
record SentencePieceModel(
        List<Piece> pieces,
        int modelType,
        boolean byteFallback,
        String unkSurface,
        String normalizerName,
        boolean hasPrecompiledCharsmap,
        boolean addDummyPrefix,
        boolean removeExtraWhitespaces,
        boolean escapeWhitespaces) {

    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;
    static final int BYTE = 6;

    static final int UNIGRAM = 1;
    static final int BPE = 2;

    record Piece(String piece, float score, int type) {}

    /** A 256k-piece model is about 5 MB. */
    private static final BoundedInput MODEL_FILE = new BoundedInput(Failure.CHECKPOINT, "sentencepiece model", 64 * BoundedInput.MIB);

    static SentencePieceModel read(Path file) {
        byte[] bytes = MODEL_FILE.readFile(file);
        try {
            return parse(bytes);
        } catch (IllegalArgumentException e) {
            throw VllavaException.checkpoint("%s: not a sentencepiece model (%s)", file, e.getMessage());
        }
    }

    static SentencePieceModel parse(byte[] bytes) {
        List<Piece> pieces = new ArrayList<>();
        // Defaults of sentencepiece_model.proto for absent fields.
        int modelType = UNIGRAM;
        boolean byteFallback = false;
        String unkSurface = " \u2047 ";
        String normalizerName = "";
        boolean charsmap = false;
        boolean dummyPrefix = true;
        boolean removeExtraWhitespaces = true;
        boolean escapeWhitespaces = true;
        Wire model = new Wire(bytes, 0, bytes.length);
        while (model.more()) {
            int key = model.varint32();
            int field = key >>> 3;
            if (field == 1 && (key & 7) == 2) {
                pieces.add(readPiece(model.message()));
            } else if (field == 2 && (key & 7) == 2) {
                Wire trainer = model.message();
                while (trainer.more()) {
                    int k = trainer.varint32();
                    switch (k >>> 3) {
                        case 3 -> modelType = (int) trainer.varint(k);
                        case 35 -> byteFallback = trainer.varint(k) != 0;
                        case 44 -> unkSurface = trainer.string(k);
                        default -> trainer.skip(k);
                    }
                }
            } else if (field == 3 && (key & 7) == 2) {
                Wire normalizer = model.message();
                while (normalizer.more()) {
                    int k = normalizer.varint32();
                    switch (k >>> 3) {
                        case 1 -> normalizerName = normalizer.string(k);
                        case 2 -> charsmap = normalizer.bytesLength(k) > 0;
                        case 3 -> dummyPrefix = normalizer.varint(k) != 0;
                        case 4 -> removeExtraWhitespaces = normalizer.varint(k) != 0;
                        case 5 -> escapeWhitespaces = normalizer.varint(k) != 0;
                        default -> normalizer.skip(k);
                    }
                }
            } else {
                model.skip(key);
            }
        }
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException("no pieces");
        }
        return new SentencePieceModel(List.copyOf(pieces), modelType, byteFallback, unkSurface, normalizerName,
                charsmap, dummyPrefix, removeExtraWhitespaces, escapeWhitespaces);
    }

    /** The same model with another {@code add_dummy_prefix}, as transformers loads it for {@code legacy: false}. */
    SentencePieceModel withAddDummyPrefix(boolean on) {
        return new SentencePieceModel(pieces, modelType, byteFallback, unkSurface, normalizerName,
                hasPrecompiledCharsmap, on, removeExtraWhitespaces, escapeWhitespaces);
    }

    private static Piece readPiece(Wire wire) {
        String piece = null;
        float score = 0f;
        int type = NORMAL;
        while (wire.more()) {
            int k = wire.varint32();
            switch (k >>> 3) {
                case 1 -> piece = wire.string(k);
                case 2 -> score = wire.fixed32Float(k);
                case 3 -> type = (int) wire.varint(k);
                default -> wire.skip(k);
            }
        }
        if (piece == null) {
            throw new IllegalArgumentException("a piece without text");
        }
        return new Piece(piece, score, type);
    }

    /** A cursor over protobuf wire format; every malformed input becomes an IllegalArgumentException. */
    private static final class Wire {
        private final byte[] bytes;
        private int pos;
        private final int end;

        Wire(byte[] bytes, int start, int end) {
            this.bytes = bytes;
            this.pos = start;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        long varintRaw() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new IllegalArgumentException("truncated varint");
                }
                byte b = bytes[pos++];
                value |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw new IllegalArgumentException("varint longer than 10 bytes");
        }

        int varint32() {
            long v = varintRaw();
            if (v <= 0 || v > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("bad field key " + v);
            }
            return (int) v;
        }

        long varint(int key) {
            expect(key, 0);
            return varintRaw();
        }

        float fixed32Float(int key) {
            expect(key, 5);
            need(4);
            int bits = (bytes[pos] & 0xff) | (bytes[pos + 1] & 0xff) << 8 | (bytes[pos + 2] & 0xff) << 16
                    | (bytes[pos + 3] & 0xff) << 24;
            pos += 4;
            return Float.intBitsToFloat(bits);
        }

        int bytesLength(int key) {
            expect(key, 2);
            int length = length();
            pos += length;
            return length;
        }

        String string(int key) {
            expect(key, 2);
            int length = length();
            String s = new String(bytes, pos, length, StandardCharsets.UTF_8);
            pos += length;
            return s;
        }

        Wire message() {
            int length = length();
            Wire inner = new Wire(bytes, pos, pos + length);
            pos += length;
            return inner;
        }

        void skip(int key) {
            switch (key & 7) {
                case 0 -> varintRaw();
                case 1 -> advance(8);
                case 2 -> advance(length());
                case 5 -> advance(4);
                default -> throw new IllegalArgumentException("unsupported wire type " + (key & 7));
            }
        }

        private int length() {
            long length = varintRaw();
            if (length < 0 || length > end - pos) {
                throw new IllegalArgumentException("field length " + length + " past the end");
            }
            return (int) length;
        }

        private void advance(int n) {
            need(n);
            pos += n;
        }

        private void need(int n) {
            if (end - pos < n) {
                throw new IllegalArgumentException("truncated field");
            }
        }

        private static void expect(int key, int wireType) {
            if ((key & 7) != wireType) {
                throw new IllegalArgumentException("field " + (key >>> 3) + " has wire type " + (key & 7));
            }
        }
    }
}
