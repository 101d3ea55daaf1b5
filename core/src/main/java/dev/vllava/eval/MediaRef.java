package dev.vllava.eval;

import java.nio.file.Path;

/**
 * One medium an item asks about: the placeholder kind and the file, already resolved against the media
 * root. Existence is not checked here; the {@link MediaPreparer} reports missing or corrupt files.
 */
public record MediaRef(Kind kind, Path path) {

    public enum Kind {
        IMAGE("<image>"),
        VIDEO("<video>");

        private final String placeholder;

        Kind(String placeholder) {
            this.placeholder = placeholder;
        }

        /** The prompt placeholder the processor expands into this medium's visual tokens. */
        public String placeholder() {
            return placeholder;
        }
    }
}
