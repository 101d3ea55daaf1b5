package dev.vllava.cli;

/**
 * What Ctrl-C means in chat, as in other REPLs: while an answer is generated, the first one stops that
 * answer (at the next token: the prompt and the media are read first) and the chat goes on; a second one
 * before the answer stops, or one at any other time than an answer or the prompt, quits with exit code 130.
 * An instance that no signal handler calls ({@link ChatInput.Plain}'s) leaves Ctrl-C its default: exit 130.
 */
final class AnswerInterrupts {
    private volatile boolean answering;
    private volatile boolean stopRequested;

    void answerStarts() {
        stopRequested = false;
        answering = true;
    }

    void answerEnds() {
        answering = false;
    }

    boolean stopRequested() {
        return stopRequested;
    }

    /** The signal handler's work: Ctrl-C outside the prompt (where the line editor reads it as a key). */
    void interrupt() {
        if (answering && !stopRequested) {
            stopRequested = true;
        } else {
            quit();
        }
    }

    /** Exit 130, as the JVM would on SIGINT; shutdown hooks restore the terminal and erase the progress line. */
    static void quit() {
        System.out.flush();
        System.exit(130);
    }
}
