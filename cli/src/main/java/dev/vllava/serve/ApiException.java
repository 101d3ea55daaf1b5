package dev.vllava.serve;

/**
 * A request the server refuses or could not complete, as OpenAI reports it: an HTTP status and the
 * {@code {"error": {"message", "type", "param", "code"}}} object.
 */
final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String code;
    private final String param;

    ApiException(int status, String type, String code, String param, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
    }

    static ApiException badRequest(String param, String format, Object... args) {
        return new ApiException(400, "invalid_request_error", null, param, String.format(format, args));
    }

    static ApiException unauthorized() {
        return new ApiException(401, "invalid_request_error", "invalid_api_key", null,
                "Incorrect API key provided: pass it as 'Authorization: Bearer KEY'.");
    }

    static ApiException forbidden(String format, Object... args) {
        return new ApiException(403, "permission_error", "media_path_forbidden", null, String.format(format, args));
    }

    static ApiException notFound(String code, String format, Object... args) {
        return new ApiException(404, "invalid_request_error", code, null, String.format(format, args));
    }

    static ApiException methodNotAllowed(String method, String path) {
        return new ApiException(405, "invalid_request_error", "method_not_allowed", null, method + " is not allowed on " + path);
    }

    static ApiException tooLarge(String format, Object... args) {
        return new ApiException(413, "invalid_request_error", "request_too_large", null, String.format(format, args));
    }

    static ApiException undecodableMedia(String message) {
        return new ApiException(422, "invalid_request_error", "invalid_media", "messages", message);
    }

    static ApiException queueFull(int queued) {
        return new ApiException(429, "rate_limit_error", "queue_full", null,
                "The server is busy: " + queued + " requests are already waiting; retry shortly.");
    }

    static ApiException notReady(String why) {
        return new ApiException(503, "server_error", "not_ready", null, why);
    }

    static ApiException timeout(long seconds) {
        return new ApiException(504, "server_error", "timeout", null, "The request did not finish within " + seconds + " s.");
    }

    static ApiException internal(String message) {
        return new ApiException(500, "server_error", "internal_error", null, message);
    }

    int status() {
        return status;
    }

    String type() {
        return type;
    }

    String code() {
        return code;
    }

    String param() {
        return param;
    }
}
