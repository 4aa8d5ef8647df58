package io.hatchway.mbeans;

import io.hatchway.hcs.ErrorKind;
import java.util.regex.Pattern;

/** containerd's identifier rule, which also keeps ids free of ObjectName quoting. */
final class Ids {
    static final int MAX_LENGTH = 76;
    private static final Pattern RULE = Pattern.compile("^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$");

    private Ids() {
    }

    /** @throws io.hatchway.hcs.HatchwayException InvalidArgument naming {@code what} */
    static void check(String id, String what) {
        if (id == null || id.isEmpty()) {
            throw ErrorKind.InvalidArgument.error("%s: must not be empty", what);
        }
        if (id.length() > MAX_LENGTH) {
            throw ErrorKind.InvalidArgument.error("%s '%s': longer than %d characters", what,
                    id.substring(0, MAX_LENGTH) + "...", MAX_LENGTH);
        }
        if (!RULE.matcher(id).matches()) {
            throw ErrorKind.InvalidArgument.error(
                    "%s '%s': must match %s (letters and digits, single '.', '_' or '-' between them)",
                    what, id, RULE.pattern());
        }
    }
}
