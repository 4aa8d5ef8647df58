package io.hatchway.itests;

import static io.hatchway.testsupport.JolokiaClient.execRequest;
import static io.hatchway.testsupport.JolokiaClient.readRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.hatchway.testsupport.JolokiaClient;
import io.hatchway.testsupport.TaskClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.management.JMX;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile HTTP against a real host JVM with the agent jar and a small heap ({@code -Xmx256m}):
 * bodies of 150 MB (declared and chunked, three at once), JSON nested 10,000 levels deep, more
 * {@code waitExec} calls on a real process-backend task than the server runs at once, and a
 * {@code createTask} with one argument too many. The host must stay alive, print no stack trace,
 * answer a short call throughout, and keep its heap after a GC small; the figures are printed as
 * {@code [hostile-http host] ...}.
 */
class HostileHttpHostTest {
    private static final long BODY_BYTES = 150L * 1024 * 1024;
    private static final Duration BOUND = Duration.ofSeconds(60);
    /** Far above what Hatchway keeps (a few MiB); far below what one unbounded 150 MB body would hold. */
    private static final long HEAP_BOUND = 64L * 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void hugeAndDeepBodiesAndManyWaitsLeaveTheHostAliveWithItsHeapBounded() throws Exception {
        Path stateDir = dir.resolve("state");
        List<String> arguments = List.of("-Xmx256m",
                "-javaagent:" + ChildJvm.agentJar() + "=backend=process,port=0,stateDir=" + stateDir,
                "-cp", ChildJvm.hostClassPath(), HostMain.class.getName());
        ExecutorService attackers = Executors.newCachedThreadPool();
        try (ChildJvm host = ChildJvm.start(ChildJvm.defaultJava(), arguments, HostMain.RUNNING)) {
            String url = host.jolokiaUrl();
            JolokiaClient jolokia = JolokiaClient.withPasswordFile(url, stateDir);
            String authorization = "Basic " + Base64.getEncoder().encodeToString(("hatchway:" + Files.readString(
                    stateDir.resolve(JolokiaClient.PASSWORD_FILE)).trim()).getBytes(StandardCharsets.UTF_8));
            MemoryMXBean memory = JMX.newMXBeanProxy(host.connect(), new ObjectName(ManagementFactory.MEMORY_MXBEAN_NAME),
                    MemoryMXBean.class);
            long before = usedAfterGc(memory);

            // three 150 MB bodies at once, declared, then three chunked
            for (boolean chunked : new boolean[] {false, true}) {
                List<CompletableFuture<String>> bodies = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    bodies.add(CompletableFuture.supplyAsync(() -> hugeBody(url, authorization, chunked), attackers));
                }
                shortCall(jolokia, "150 MB bodies x3" + (chunked ? " (chunked)" : ""));
                for (CompletableFuture<String> body : bodies) {
                    String statusLine = body.get(BOUND.toSeconds(), TimeUnit.SECONDS);
                    assertTrue(statusLine.startsWith("HTTP/1.1 413"), "refused as too large: " + statusLine);
                }
            }

            // 10,000 levels of nesting, twenty times
            String deep = "[".repeat(10_000) + "]".repeat(10_000);
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> refused = jolokia.send(deep);
                assertEquals(400, refused.statusCode(), refused.body());
                assertTrue(refused.body().contains("InvalidArgument: the request nests JSON"), refused.body());
            }
            shortCall(jolokia, "nested JSON x20 (10,000 levels)");

            // one argument more than createTask takes: refused, nothing made
            Path bundle = TaskClient.bundle(dir.resolve("bundle"), TaskClient.SLEEP);
            String extra = jolokia.error("InvalidArgument", execRequest(ChildJvm.TASK_SERVICE.toString(), "createTask",
                    "extra", bundle.toString(), "", "one too many"));
            assertTrue(extra.contains("takes 3 arguments, not 4"), extra);
            assertEquals(0, jolokia.read(ChildJvm.TASK_SERVICE.toString(), "TaskIds").size(), "no task was made");

            longWaitsOnARealTask(jolokia, bundle, attackers);
            bulkReadsOfALargeOutput(jolokia);

            long after = usedAfterGc(memory);
            System.out.printf("[hostile-http host] -Xmx256m: heap used after GC %d KiB before the attacks, %d KiB "
                    + "after%n", before / 1024, after / 1024);
            assertTrue(after < HEAP_BOUND, "heap used after GC: " + after + " bytes");
            assertEquals("process", jolokia.read(ChildJvm.TASK_SERVICE.toString(), "Backend").asText(), "alive");
            host.assertNoStackTrace();
            assertFalse(host.stderr().stream().anyMatch(line -> line.contains("OutOfMemoryError")), host.stderr().toString());
            assertEquals(0, host.stop(), "the host exits 0 once its stdin closes");
        } finally {
            attackers.shutdownNow();
            assertTrue(attackers.awaitTermination(BOUND.toSeconds(), TimeUnit.SECONDS), "attackers still running");
        }
    }

    // More waitExec calls than the server runs at once: the short call and the killExec that ends
    // them get through; the waits beyond the pool are refused at once.
    private static void longWaitsOnARealTask(JolokiaClient jolokia, Path bundle, ExecutorService attackers)
            throws Exception {
        String task = "hatchway:type=Task,name=waited";
        jolokia.exec(ChildJvm.TASK_SERVICE.toString(), "createTask", "waited", bundle.toString(), "");
        int pid = jolokia.exec(task, "start", "").asInt();
        try {
            int count = 24;
            String wait = JolokiaClient.JSON.writeValueAsString(execRequest(task, "waitExec", "", 30_000));
            List<CompletableFuture<HttpResponse<String>>> waits = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                waits.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return jolokia.send(wait);
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }, attackers));
            }
            Thread.sleep(1_000); // let them block
            shortCall(jolokia, "waitExec x" + count + " on a real task");
            long killed = System.nanoTime();
            jolokia.exec(task, "killExec", "", TaskClient.SIGKILL, true);
            int ended = 0;
            int refused = 0;
            for (CompletableFuture<HttpResponse<String>> future : waits) {
                HttpResponse<String> answer = future.get(BOUND.toSeconds(), TimeUnit.SECONDS);
                if (answer.statusCode() == 429) {
                    assertTrue(answer.body().contains("ResourceExhausted: "), answer.body());
                    refused++;
                } else {
                    JsonNode value = JolokiaClient.value(JolokiaClient.JSON.readTree(answer.body()), null);
                    assertEquals(137, value.get("exitStatus").asInt(), value.toString());
                    ended++;
                }
            }
            System.out.printf("[hostile-http host] waitExec x%d: %d ended %d ms after killExec, %d refused (429)%n",
                    count, ended, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed), refused);
            assertTrue(ended > 0 && refused > 0, ended + " ended, " + refused + " refused");
            jolokia.exec(task, "deleteExec", "");
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    // A bulk of 300 reads of a 1 MB Stdout: a 300 MB answer, more than the host's heap, streamed.
    private void bulkReadsOfALargeOutput(JolokiaClient jolokia) throws Exception {
        Path bundle = TaskClient.bundle(dir.resolve("printer"), "head -c 1000000 /dev/zero | tr '\\0' x; sleep 600");
        jolokia.exec(ChildJvm.TASK_SERVICE.toString(), "createTask", "printer", bundle.toString(), "");
        String task = "hatchway:type=Task,name=printer";
        String exec = "hatchway:type=Exec,task=printer,name=printer";
        int pid = jolokia.exec(task, "start", "").asInt();
        try {
            long deadline = System.nanoTime() + BOUND.toNanos();
            while (jolokia.read(exec, "Stdout").asText().length() < 1_000_000 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            int reads = 300;
            StringBuilder bulk = new StringBuilder("[");
            for (int i = 0; i < reads; i++) {
                bulk.append(i == 0 ? "" : ",").append(JolokiaClient.JSON.writeValueAsString(readRequest(exec, "Stdout")));
            }
            long started = System.nanoTime();
            HttpResponse<InputStream> answer = jolokia.sendStreaming(bulk.append(']').toString());
            assertEquals(200, answer.statusCode());
            long bytes = 0;
            int last = -1;
            try (InputStream in = answer.body()) {
                byte[] buffer = new byte[64 * 1024];
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    bytes += n;
                    if (n > 0) {
                        last = buffer[n - 1];
                    }
                }
            }
            assertEquals(']', last, "the whole answer arrived");
            assertTrue(bytes > reads * 1_000_000L, bytes + " bytes");
            System.out.printf("[hostile-http host] bulk of %d reads of a 1 MB Stdout: %d MB answered in %d ms%n",
                    reads, bytes / 1_000_000, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            jolokia.exec(task, "killExec", "", TaskClient.SIGKILL, true);
            jolokia.exec(task, "waitExec", "", 30_000);
            jolokia.exec(task, "deleteExec", "");
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** Streams a 150 MB body from one 64 KiB buffer; returns the status line the server answered. */
    private static String hugeBody(String url, String authorization, boolean chunked) {
        URI uri = URI.create(url);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
            socket.setSoTimeout((int) BOUND.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + uri.getPath() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + authorization
                    + "\r\nContent-Type: application/json\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + BODY_BYTES + "\r\n")
                    + "\r\n").getBytes(StandardCharsets.US_ASCII));
            CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                byte[] chunk = new byte[64 * 1024];
                Arrays.fill(chunk, (byte) ' ');
                byte[] head = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                try {
                    for (long sent = 0; sent < BODY_BYTES; sent += chunk.length) {
                        if (chunked) {
                            out.write(head);
                        }
                        out.write(chunk);
                        if (chunked) {
                            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                        }
                    }
                } catch (IOException e) {
                    // the server closed the connection once it refused: expected
                }
            });
            InputStream in = socket.getInputStream();
            StringBuilder statusLine = new StringBuilder();
            for (int b = in.read(); b >= 0 && b != '\n' && statusLine.length() < 200; b = in.read()) {
                statusLine.append((char) b);
            }
            socket.close();
            writing.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            return statusLine.toString().strip();
        } catch (Exception e) {
            return "no answer: " + e;
        }
    }

    private static void shortCall(JolokiaClient jolokia, String attack) throws Exception {
        long started = System.nanoTime();
        JsonNode answer = jolokia.post(readRequest(ChildJvm.TASK_SERVICE.toString(), "Backend"));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertEquals("process", JolokiaClient.value(answer, null).asText());
        System.out.printf("[hostile-http host] %s: short call %d ms%n", attack, millis);
    }

    private static long usedAfterGc(MemoryMXBean memory) {
        memory.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }
}
