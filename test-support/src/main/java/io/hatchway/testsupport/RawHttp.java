package io.hatchway.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * HTTP/1.1 by hand on a plain socket, for what no well-behaved client does: stop halfway through
 * the headers, send a byte a second, stream a body larger than the server takes. Every read is
 * bounded by the socket's timeout.
 */
public final class RawHttp implements AutoCloseable {
    private final Socket socket;
    private final String path;
    private final String authorization;

    private RawHttp(Socket socket, String path, String authorization) {
        this.socket = socket;
        this.path = path;
        this.authorization = authorization;
    }

    /** A connection to {@code client}'s server, with its credentials; reads time out after {@code timeout}. */
    public static RawHttp connect(JolokiaClient client, Duration timeout) throws IOException {
        URI url = URI.create(client.url());
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(url.getHost(), url.getPort()), 5_000);
        socket.setSoTimeout((int) timeout.toMillis());
        return new RawHttp(socket, url.getPath(), client.authorization());
    }

    /** The request line and headers of a POST with {@code headers} (CRLF-terminated lines), unfinished. */
    public String postHead(String headers) {
        return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                + "Content-Type: application/json\r\n" + headers;
    }

    public void write(String text) throws IOException {
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    public void write(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    /** One whole request: a POST of {@code body} with its length. */
    public void post(String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        write(postHead("Content-Length: " + bytes.length + "\r\n\r\n"));
        write(bytes);
    }

    /** The answer: status and body (by Content-Length); an IOException when the server closed first. */
    public Response read() throws IOException {
        InputStream in = socket.getInputStream();
        String head = readHead(in);
        String[] lines = head.split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        int length = 0;
        for (String line : lines) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return new Response(status, new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }

    /**
     * Whether the server closed the connection (end of stream or reset) with no answer, waiting up to
     * the socket's timeout; false when it answered or kept it open.
     */
    public boolean closedByServer() throws IOException {
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the server closed the connection after " + head.size() + " bytes of answer");
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (head.size() > 64 * 1024) {
                throw new IOException("an answer's head longer than 64 KiB");
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    public record Response(int status, String body) {
    }
}
