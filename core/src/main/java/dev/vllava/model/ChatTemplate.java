package dev.vllava.model;

/**
 * Video-LLaVA's conversation template (LLaVA's {@code conv_llava_v1} / Vicuna v1, as the Hugging Face
 * processor's chat template writes it): separator " " after the system text, "&lt;/s&gt;" after each answer.
 * <pre>
 *   [{system} ]USER: &lt;image&gt;\n&lt;video&gt;\n{question} ASSISTANT:{answer}&lt;/s&gt;USER: {question 2} ASSISTANT:
 * </pre>
 * Without a system text the first turn is exactly the model card's prompt {@code USER: <video>\n{question}
 * ASSISTANT:}. One placeholder line per medium, images first.
 */
public final class ChatTemplate {
    /** Ends every answer; generation normally produces it itself (it is the EOS token). */
    public static final String END_OF_ANSWER = "</s>";

    private ChatTemplate() {}

    /** The first turn of a conversation ({@code system} may be null or empty). */
    public static String firstTurn(String system, int images, int videos, String question) {
        String prefix = system == null || system.isEmpty() ? "" : system + " ";
        return prefix + userTurn(images, videos, question);
    }

    /**
     * A later turn. The previous answer's last token is fed before it: when that answer stopped on EOS it
     * already holds the {@code </s>}; when it was cut off by the token limit the template closes it here.
     */
    public static String nextTurn(boolean previousAnswerEnded, int images, int videos, String question) {
        return (previousAnswerEnded ? "" : END_OF_ANSWER) + userTurn(images, videos, question);
    }

    private static String userTurn(int images, int videos, String question) {
        return "USER: " + "<image>\n".repeat(images) + "<video>\n".repeat(videos) + question + " ASSISTANT:";
    }
}
