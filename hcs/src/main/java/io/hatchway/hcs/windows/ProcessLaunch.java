package io.hatchway.hcs.windows;

import com.sun.jna.ptr.PointerByReference;
import io.hatchway.hcs.ErrorKind;
import io.hatchway.hcs.HatchwayException;
import io.hatchway.hcs.Stdio;
import io.hatchway.hcs.oci.Json;
import io.hatchway.hcs.oci.ProcessSpec;
import io.hatchway.hcs.windows.ComputeCore.HANDLE;
import io.hatchway.hcs.windows.ComputeCore.HCS_PROCESS;
import io.hatchway.hcs.windows.ComputeCore.HCS_PROCESS_INFORMATION;
import io.hatchway.hcs.windows.schema.ProcessParameters;
import java.util.Optional;

/** {@code HcsCreateProcess} in a process-isolated container, as hcsshim's {@code hcs/v2 createProcess}. Stateless. */
final class ProcessLaunch {
    private ProcessLaunch() {
    }

    /**
     * Creates the process with the pipes the streams need, then relays them into {@code files}
     * (closed on failure). On Windows Server 2022 a create may fail its wait yet hand back a valid
     * process: then, as hcsshim does, the process's information is asked for again before giving up.
     */
    static HcsProcess launch(HcsSystem system, SystemHandle handle, ProcessSpec spec, Stdio stdio, StreamFiles files) {
        HcsLibrary library = handle.library();
        ProcessParameters parameters = ArgonDocuments.processParameters(spec, stdio.stdin().isPresent(), true, true);
        PointerByReference created = new PointerByReference();
        HCS_PROCESS_INFORMATION information;
        try (Utf16 document = Utf16.of(Json.write(parameters))) {
            try {
                information = handle.call("HcsCreateProcess", Calls.CALL, true, (target, operation) ->
                        library.core().HcsCreateProcess(target, document, operation, null, created)).processInformation();
            } catch (HcsFailure e) {
                if (created.getValue() == null) {
                    throw cannotStart(e, spec);
                }
                HCS_PROCESS process = new HCS_PROCESS(created.getValue());
                try {
                    information = Calls.runWithProcessInfo(library, "HcsGetProcessInfo", Calls.CALL,
                            operation -> library.core().HcsGetProcessInfo(process, operation)).processInformation();
                } catch (RuntimeException again) {
                    library.core().HcsCloseProcess(process);
                    throw cannotStart(e, spec);
                }
            }
        } catch (RuntimeException e) {
            files.close();
            throw e;
        }
        return HcsProcess.watch(library, system, new HCS_PROCESS(created.getValue()), information.ProcessId,
                parameters.emulateConsole(), files, pipe(library, information.StdInput),
                pipe(library, information.StdOutput), pipe(library, information.StdError));
    }

    /**
     * A process HCS could not create: a program or working directory that is missing or not
     * executable is the caller's (InvalidArgument {@code cannot start '<program>'}), as on the other
     * backends; so is access denied to it (CreateProcess's answer for a directory or a file that is
     * no program); any other failure keeps its own kind.
     */
    private static HatchwayException cannotStart(HcsFailure failure, ProcessSpec spec) {
        HatchwayException error = failure.toError("cannot start '%s'", program(spec));
        return Hresult.isAccessDenied(failure.hresult()) ? ErrorKind.InvalidArgument.error("%s", error.detail()) : error;
    }

    /** The program a process runs, as a user named it: its first argument, else its command line. */
    private static String program(ProcessSpec spec) {
        return spec.args().isEmpty() || spec.args().get(0).isEmpty() ? spec.commandLine().orElse("") : spec.args().get(0);
    }

    private static Optional<PipeEnd> pipe(HcsLibrary library, HANDLE handle) {
        return handle != null && handle.isValid() ? Optional.of(new KernelPipe(library.kernel32(), handle))
                : Optional.empty();
    }
}
