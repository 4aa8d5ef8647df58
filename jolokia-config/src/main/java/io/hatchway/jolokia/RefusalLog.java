package io.hatchway.jolokia;

import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells {@code hatchway.log} about refused requests, once per client and reason: the first refusal
 * of a client (its remote address) for a reason is logged with its message, later ones of the same
 * client and reason are not, so a client retrying in a loop or a console polling every second
 * cannot flood the log. The pairs already told are the last {@value #REMEMBERED} seen (least
 * recently refused forgotten first), so memory stays bounded whatever the number of clients. Thread-safe.
 */
final class RefusalLog {
    /** Why a request was refused: the kinds of refusal, not each message. */
    enum Reason {
        /** no credentials, or wrong ones (HTTP 401) */
        AUTHENTICATION("authentication"),
        /** a browser page of an origin not trusted ({@code Origin}/{@code Referer}) */
        ORIGIN("origin"),
        /** the access policy (PermissionDenied, status 403) */
        POLICY("access policy");

        private final String words;

        Reason(String words) {
            this.words = words;
        }
    }

    /** How many client and reason pairs are remembered. */
    static final int REMEMBERED = 1024;
    private static final Logger log = LoggerFactory.getLogger(RefusalLog.class);

    private final Map<String, Boolean> told = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    };

    /**
     * Notes a refusal; logs it when it is the first of {@code client} for {@code reason}.
     *
     * @param client  the client's address as the server saw it
     * @param message what the client was told (or, for authentication, what was wrong)
     */
    void refused(String client, Reason reason, String message) {
        boolean first;
        synchronized (told) {
            first = told.put(client + " " + reason, Boolean.TRUE) == null;
        }
        if (first) {
            log.warn("refused a request from {} ({}): {} (further {} refusals of this client are not logged)",
                    client, reason.words, message.replace('\n', ' '), reason.words);
        }
    }
}
