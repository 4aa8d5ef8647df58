package io.hatchway.agent.client;

/** A task CLI failure: its message is the one line the user sees (an agent's error keeps its kind prefix). */
public final class ClientException extends Exception {
    private static final long serialVersionUID = 1L;

    public ClientException(String message) {
        super(message, null, false, false);
    }
}
