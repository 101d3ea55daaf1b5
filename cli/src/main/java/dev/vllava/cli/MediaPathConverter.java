package dev.vllava.cli;

import dev.vllava.media.MediaPath;
import java.nio.file.Path;
import picocli.CommandLine;

/** {@code --video} / {@code --image} values: local paths only, a URL refused as given (see {@link MediaPath}). */
final class MediaPathConverter implements CommandLine.ITypeConverter<Path> {
    @Override
    public Path convert(String value) {
        if (MediaPath.isUrl(value)) {
            throw new CommandLine.TypeConversionException(MediaPath.urlRefused(value));
        }
        return Path.of(value);
    }
}
