package dev.vllava.cli;

/**
 * Video-LLaVA's conversation template (LLaVA's {@code conv_llava_v1} / Vicuna v1: separator " " after
 * the system text and after each user message, "</s>" after each answer):
 * <pre>
 *   [{system} ]USER: &lt;image&gt;\n&lt;video&gt;\n{question} ASSISTANT:{answer}&lt;/s&gt;USER: {question 2} ASSISTANT:
 * </pre>
 * Without a system text the first turn is exactly the Hugging Face model card's prompt
 * {@code USER: <video>\n{question} ASSISTANT:}. One placeholder line per medium, images first.
 */
public final class Prompts {
    private Prompts() {}

    /** The first turn of a conversation ({@code system} may be null). */
    public static String firstTurn(String system, int images, int videos, String question) {
        String prefix = system == null || system.isEmpty() ? "" : system + " ";
        return prefix + turn(images, videos, question);
    }

    /** A later turn; it follows the previous answer's {@code </s>} directly. */
    public static String turn(int images, int videos, String question) {
        return "USER: " + "<image>\n".repeat(images) + "<video>\n".repeat(videos) + question + " ASSISTANT:";
    }
}
