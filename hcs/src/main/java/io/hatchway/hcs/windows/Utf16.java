package io.hatchway.hcs.windows;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;

/**
 * A {@code PCWSTR} argument: the string as UTF-16LE followed by a 2-byte NUL, in native memory the
 * caller closes after the call (try-with-resources). Built by hand on every platform: JNA's
 * {@code WString} is a {@code wchar_t} string, 4 bytes a character on Linux. Also reads the
 * {@code PWSTR} strings HCS returns.
 */
public final class Utf16 extends Memory {
    private Utf16(long size) {
        super(size);
    }

    /** {@code text} as a {@code PCWSTR}; null for null (an omitted optional argument). */
    public static Utf16 of(String text) {
        if (text == null) {
            return null;
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_16LE);
        Utf16 wide = new Utf16(bytes.length + 2L);
        wide.write(0, bytes, 0, bytes.length);
        wide.setShort(bytes.length, (short) 0);
        return wide;
    }

    /** The UTF-16LE string at {@code string}, up to its first 16-bit 0; null for NULL. */
    public static String read(Pointer string) {
        if (string == null) {
            return null;
        }
        long units = 0;
        while (string.getShort(units * 2) != 0) {
            units++;
        }
        return new String(string.getByteArray(0, (int) (units * 2)), StandardCharsets.UTF_16LE);
    }

    /**
     * Reads the string a {@code PWSTR*} out-parameter received and frees it with {@code LocalFree},
     * as HCS's documentation says the caller must. Null when nothing was returned.
     */
    public static String take(ComputeCore.Kernel32 kernel32, PointerByReference result) {
        Pointer string = result.getValue();
        if (string == null) {
            return null;
        }
        result.setValue(null);
        try {
            return read(string);
        } finally {
            kernel32.LocalFree(string);
        }
    }
}
