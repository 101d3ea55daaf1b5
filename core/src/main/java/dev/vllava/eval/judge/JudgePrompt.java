package dev.vllava.eval.judge;

import java.util.List;

/**
 * Video-LLaVA's judge prompt for open video QA, word for word as its
 * {@code videollava/eval/video/eval_video_qa.py} sends it (commit a8404b991f0ca186ea5071663dbeb19ff1352fbb,
 * itself Video-ChatGPT's): a system message with the instructions and a user message with the question, the
 * correct answer and the predicted answer. The odd spacing of the original ("INSTRUCTIONS: - Focus",
 * "'pred' is  a string", no space before "DO NOT") is kept, since the judge sees exactly these bytes.
 */
public final class JudgePrompt {
    /** One chat message. */
    public record Message(String role, String content) {}

    static final String SYSTEM = "You are an intelligent chatbot designed for evaluating the correctness of generative "
            + "outputs for question-answer pairs. "
            + "Your task is to compare the predicted answer with the correct answer and determine if they match "
            + "meaningfully. Here's how you can accomplish the task:"
            + "------"
            + "##INSTRUCTIONS: "
            + "- Focus on the meaningful match between the predicted answer and the correct answer.\n"
            + "- Consider synonyms or paraphrases as valid matches.\n"
            + "- Evaluate the correctness of the prediction compared to the answer.";

    private static final String USER_HEAD = "Please evaluate the following video-based question-answer pair:\n\n";
    private static final String USER_TAIL = "Provide your evaluation only as a yes/no and score where the score is an "
            + "integer value between 0 and 5, with 5 indicating the highest meaningful match. "
            + "Please generate the response in the form of a Python dictionary string with keys 'pred' and 'score', "
            + "where value of 'pred' is  a string of 'yes' or 'no' and value of 'score' is in INTEGER, not STRING."
            + "DO NOT PROVIDE ANY OTHER OUTPUT TEXT OR EXPLANATION. Only provide the Python dictionary string. "
            + "For example, your response should look like this: {'pred': 'yes', 'score': 4.8}.";

    private JudgePrompt() {}

    /** The system and user messages for one question-answer pair. */
    public static List<Message> messages(String question, String answer, String prediction) {
        String user = USER_HEAD + "Question: " + question + "\n" + "Correct Answer: " + answer + "\n"
                + "Predicted Answer: " + prediction + "\n\n" + USER_TAIL;
        return List.of(new Message("system", SYSTEM), new Message("user", user));
    }
}
