package dev.vllava.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.cli.FramesCommand;
import dev.vllava.media.Frame;
import dev.vllava.model.MediaKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import javax.imageio.ImageIO;

/**
 * {@code POST /vllava/frames} (the page's helper, not part of OpenAI's API): the frames the model will see of
 * a medium, after sampling, resize and crop, as PNG data URLs with their frame indices. The medium is decoded
 * through the same cache as chat completions, so asking about it next costs no second decode.
 */
final class FramesPreview {
    private final MediaFetcher media;
    private final long maxBodyBytes;

    FramesPreview(MediaFetcher media, long maxBodyBytes) {
        this.media = media;
        this.maxBodyBytes = maxBodyBytes;
    }

    void handle(Exchange exchange) throws IOException {
        JsonNode body = exchange.readJson(maxBodyBytes);
        String url = body.path("url").asText("");
        String kind = body.path("type").asText("video_url");
        if (url.isEmpty() || !(kind.equals("video_url") || kind.equals("image_url"))) {
            throw ApiException.badRequest(null, "send {\"type\": \"video_url\" or \"image_url\", \"url\": ...}");
        }
        Medium medium = media.fetch(new MediaUrl(kind.equals("image_url") ? MediaKind.IMAGE : MediaKind.VIDEO, url));
        ObjectNode out = OpenAiJson.MAPPER.createObjectNode();
        ArrayNode indices = out.putArray("indices");
        ArrayNode frames = out.putArray("frames");
        for (Frame frame : medium.seen()) {
            indices.add(frame.index());
            frames.add("data:image/png;base64," + Base64.getEncoder().encodeToString(png(frame)));
        }
        exchange.sendJson(200, out);
    }

    private static byte[] png(Frame frame) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(FramesCommand.toImage(frame), "png", bytes);
        return bytes.toByteArray();
    }
}
