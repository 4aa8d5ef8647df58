package io.hatchway.hcs.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HresultTest {

    /** Every code the table names, in every form it arrives in, and the kind a user sees. */
    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource({
        // HCS_E_* and their ERROR_VMCOMPUTE_* twins
        "0x80370100, Unavailable", "0xC0370100, Unavailable",
        "0x80370101, InvalidArgument", "0xC0370101, InvalidArgument",
        "0x80370102, Unavailable", "0xC0370102, Unavailable",
        "0xC0370103, Unavailable", "0x80370103, Unavailable",
        "0xC0370104, ResourceExhausted",
        "0x80370105, FailedPrecondition", "0xC0370105, FailedPrecondition",
        "0x80370106, Unavailable", "0xC0370106, Unavailable",
        "0x80370107, FailedPrecondition", "0xC0370107, FailedPrecondition",
        "0x80370108, Unavailable", "0xC0370108, Unavailable",
        "0x80370109, DeadlineExceeded", "0xC0370109, DeadlineExceeded",
        "0x8037010A, Unavailable", "0xC037010A, Unavailable",
        "0x8037010B, NotImplemented", "0xC037010B, NotImplemented",
        "0x8037010C, NotImplemented", "0xC037010C, NotImplemented",
        "0x8037010D, NotImplemented", "0xC037010D, NotImplemented",
        "0x8037010E, NotFound", "0xC037010E, NotFound",
        "0x8037010F, AlreadyExists", "0xC037010F, AlreadyExists",
        "0x80370110, FailedPrecondition", "0xC0370110, FailedPrecondition",
        "0x80370111, Unavailable", "0xC0370111, Unavailable",
        "0x80370112, InvalidArgument", "0xC0370112, InvalidArgument",
        "0x80370113, NotImplemented", "0xC0370113, NotImplemented",
        "0x80370114, Unavailable", "0xC0370114, Unavailable",
        "0x80370115, FailedPrecondition", "0xC0370115, FailedPrecondition",
        "0x80370116, FailedPrecondition",
        "0x80370117, Unavailable",
        "0x80370118, DeadlineExceeded", "0xC0370118, DeadlineExceeded",
        "0x80370119, FailedPrecondition",
        "0x8037011A, ResourceExhausted",
        "0x8037011B, PermissionDenied",
        "0x8037011C, Unavailable",
        "0x8037011D, Unavailable",
        "0x8037011E, Unavailable",
        "0x8037011F, FailedPrecondition", "0xC037011F, FailedPrecondition",
        // Win32 errors, wrapped and flattened
        "0x80070002, InvalidArgument", "0x2, InvalidArgument",
        "0x80070003, InvalidArgument", "0x3, InvalidArgument",
        "0x80070005, PermissionDenied", "0x5, PermissionDenied",
        "0x80070006, NotFound", "0x6, NotFound",
        "0x80070008, ResourceExhausted", "0x8, ResourceExhausted",
        "0x8007000D, NotImplemented", "0xD, NotImplemented",
        "0x8007000E, ResourceExhausted", "0xE, ResourceExhausted",
        "0x80070032, NotImplemented", "0x32, NotImplemented",
        "0x80070050, AlreadyExists", "0x50, AlreadyExists",
        "0x80070057, InvalidArgument", "0x57, InvalidArgument",
        "0x80070070, ResourceExhausted", "0x70, ResourceExhausted",
        "0x80070078, NotImplemented", "0x78, NotImplemented",
        "0x8007007B, InvalidArgument", "0x7B, InvalidArgument",
        "0x8007007E, Unavailable", "0x7E, Unavailable",
        "0x8007007F, Unavailable", "0x7F, Unavailable",
        "0x800700B7, AlreadyExists", "0xB7, AlreadyExists",
        "0x800700C1, InvalidArgument", "0xC1, InvalidArgument",
        "0x80070102, DeadlineExceeded", "0x102, DeadlineExceeded",
        "0x8007010B, InvalidArgument", "0x10B, InvalidArgument",
        "0x80070490, NotFound", "0x490, NotFound",
        "0x80070522, PermissionDenied", "0x522, PermissionDenied",
        "0x800705B4, DeadlineExceeded", "0x5B4, DeadlineExceeded",
        // COM
        "0x80004001, NotImplemented", "0x80004003, InvalidArgument", "0x80004004, Unavailable",
        "0x80004005, Unavailable", "0x8000FFFF, Unavailable",
        // not named: the runtime failed
        "0x80071234, Unavailable", "0x8037FFFF, Unavailable", "0xC0001234, Unavailable"
    })
    void eachCodeMeansOneKind(String hex, ErrorKind kind) {
        int hresult = Integer.parseUnsignedInt(hex.substring(2), 16);
        assertEquals(kind, Hresult.kindOf(hresult));
        if (hresult < 0) {
            assertEquals(kind, Hresult.error("op", hresult, (String) null).kind());
        }
    }

    @Test
    void everyHcsCodeHasTheKindOfItsTwin() {
        for (Hresult code : Hresult.values()) {
            int twin = code.value() ^ 0x40000000;
            if ((code.value() & 0x1fff0000) == 0x00370000) {
                assertEquals(code.kind(), Hresult.kindOf(twin), code.name());
                assertTrue(code.is(twin), code.name());
            }
        }
    }

    @Test
    void theResearchNotesCodesAreNamed() {
        Set<String> named = Arrays.stream(Hresult.values()).map(Enum::name).collect(Collectors.toSet());
        for (int value : new int[] {0xc037010e, 0x490, 0x32, 0xd, 0xc0370110, 0x80370110, 0xC0370103, 0xc0370105,
            0x80370105, 0x7f, 0x5, 0xc037010d, 0xc037010b, 0xC0370106, 0x8037011f, 0x6, 0x80370115, 0x80370117,
            0x80370118, 0x80370119, 0x8037011B, 0x8037011D, 0x8037011E, 0x8037010E}) {
            Optional<Hresult> code = Hresult.of(value);
            assertTrue(code.isPresent() && code.get().value() == value, Integer.toHexString(value));
            assertTrue(named.contains(code.get().name()));
        }
        assertEquals(Optional.of(Hresult.ERROR_NOT_FOUND), Hresult.of(0x80070490), "hcsshim's flattening");
        assertEquals(Optional.of(Hresult.ERROR_INVALID_PARAMETER), Hresult.of(0x80070057), "E_INVALIDARG");
        assertEquals(Optional.empty(), Hresult.of(0));
    }

    @Test
    void flatteningIsHcsshims() {
        assertEquals(0x490, Hresult.flatten(0x80070490));
        assertEquals(0x5, Hresult.flatten(0x80070005));
        assertEquals(0x490, Hresult.flatten(0x00070490), "the facility decides, not the severity bit");
        assertEquals(0x8037010E, Hresult.flatten(0x8037010E));
        assertEquals(0x80004005, Hresult.flatten(0x80004005));
    }

    @Test
    void theMessageNamesTheHresultInHexAndHcsText() {
        HatchwayException e = Hresult.error("open compute system 't1'", 0x8037010E, """
                {"Error":-2143878898,"ErrorMessage":"A compute system with the specified identifier does not exist.\\n",
                 "ErrorEvents":[{"Message":"The system cannot find the file specified.","Provider":"x","EventId":12}]}""");
        assertEquals(ErrorKind.NotFound, e.kind());
        assertEquals("NotFound: open compute system 't1': HRESULT 0x8037010E (HCS_E_SYSTEM_NOT_FOUND): "
                + "A compute system with the specified identifier does not exist.: The system cannot find the file specified.",
                e.getMessage());
        assertEquals("Unavailable: start: HRESULT 0x80071234", Hresult.error("start", 0x80071234, "").getMessage());
        assertEquals("PermissionDenied: signal: HRESULT 0x80070005 (ERROR_ACCESS_DENIED)",
                Hresult.error("signal", 0x80070005, (String) null).getMessage());
        assertEquals("FailedPrecondition: kill: HRESULT 0xC0370110 (ERROR_VMCOMPUTE_SYSTEM_ALREADY_STOPPED)",
                Hresult.error("kill", 0xC0370110, (String) null).getMessage());
        assertEquals("Unavailable: wait: HRESULT 0x80370103 (ERROR_VMCOMPUTE_OPERATION_PENDING)",
                Hresult.error("wait", 0x80370103, (String) null).getMessage(), "a code HCS_E lacks is named by its twin");
    }

    @Test
    void aResultDocumentThatIsNotOneLeavesTheCodeAlone() {
        for (String document : new String[] {"not json", "[1,2]", "{\"Error\":\"x\"}", "{\"ErrorMessage\":7} trailing"}) {
            String message = Hresult.error("create", 0x8037010D, document).getMessage();
            assertEquals("NotImplemented: create: HRESULT 0x8037010D (HCS_E_INVALID_JSON)", message, document);
            assertFalse(message.contains("Exception"), message);
        }
    }

    @Test
    void successIsNoError() {
        assertThrows(IllegalArgumentException.class, () -> Hresult.error("op", 0, (String) null));
        assertThrows(IllegalArgumentException.class, () -> Hresult.error("op", 1, (String) null));
    }

    @Test
    void predicatesAreHcsshimsInBothFamilies() {
        assertPredicate(Hresult::isNotExist, 0xC037010E, 0x8037010E, 0x490, 0x80070490);
        assertPredicate(Hresult::isAlreadyStopped, 0xC0370110, 0x80370110, 0x8037011F, 0x490, 0x80070490);
        assertPredicate(Hresult::isInvalidState, 0xC0370105, 0x80370105);
        assertPredicate(Hresult::isAccessDenied, 0x5, 0x80070005, 0x8037011B);
        assertPredicate(Hresult::isInvalidHandle, 0x6, 0x80070006);
        assertPredicate(Hresult::isTimeout, 0x80370118);
        assertPredicate(Hresult::isPending, 0xC0370103, 0x80370117);
    }

    /** {@code predicate} holds for exactly the codes {@code matching} names, in any of their forms. */
    private static void assertPredicate(java.util.function.IntPredicate predicate, int... matching) {
        Set<Integer> yes = Arrays.stream(matching).map(HresultTest::canonical).boxed().collect(Collectors.toSet());
        for (int value : matching) {
            assertTrue(predicate.test(value), Integer.toHexString(value));
        }
        for (Hresult code : Hresult.values()) {
            assertEquals(yes.contains(canonical(code.value())), predicate.test(code.value()), code.name());
        }
    }

    /** One value per code: Win32 flattened, HCS codes in their 0xC037 form. */
    private static int canonical(int hresult) {
        int flat = Hresult.flatten(hresult);
        return (flat & 0x1fff0000) == 0x00370000 ? flat | 0x40000000 : flat;
    }
}
