package io.hatchway.hcs.windows;

import com.sun.jna.Pointer;
import io.hatchway.hcs.windows.ComputeCore.HCS_EVENT;
import io.hatchway.hcs.windows.ComputeCore.HCS_EVENT_CALLBACK;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The events HCS sends about compute systems and processes (hcsshim's {@code hcs/v2
 * notification.go}): one callback for every handle, whose {@code void*} context is a number
 * looked up here rather than a pointer to anything of ours, so a late call finds nothing instead of
 * freed memory. HCS calls it on a thread of its own and waits for it, and closing a handle waits for
 * the calls under way: the callback copies the event and hands it to the executor its listener was
 * registered with (its backend's background pool), never running a listener (which may close that
 * very handle) on HCS's thread.
 */
final class Events {
    private static final Logger log = LoggerFactory.getLogger(Events.class);

    /** An event: its {@code HCS_EVENT_TYPE} and its JSON ({@code SystemExitStatus}, {@code ProcessStatus}), or null. */
    record Event(int type, String data) {
    }

    /** A listener and where it runs. */
    private record Listener(Consumer<Event> consumer, Executor executor) {
    }

    private static final Map<Long, Listener> LISTENERS = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT = new AtomicLong();

    /** Held here for as long as Hatchway's classes live: HCS keeps only its address. */
    static final HCS_EVENT_CALLBACK CALLBACK = Events::deliver;

    private Events() {
    }

    /** Registers {@code listener}, to run on {@code executor}; @return the context to pass with {@link #CALLBACK} */
    static long register(Consumer<Event> listener, Executor executor) {
        long id = NEXT.incrementAndGet();
        LISTENERS.put(id, new Listener(listener, executor));
        return id;
    }

    /** After the handle is closed: events that still arrive for {@code id} are dropped. */
    static void unregister(long id) {
        LISTENERS.remove(id);
    }

    static Pointer context(long id) {
        return new Pointer(id);
    }

    private static void deliver(HCS_EVENT event, Pointer context) {
        try {
            Listener listener = context == null ? null : LISTENERS.get(Pointer.nativeValue(context));
            if (listener == null) {
                return;
            }
            Event copy = new Event(event.Type, Utf16.read(event.EventData)); // valid only during this call
            listener.executor().execute(() -> listener.consumer().accept(copy));
        } catch (RuntimeException | Error e) { // nothing may be thrown back into HCS
            log.warn("HCS event dropped: {}", e.toString());
        }
    }
}
