package io.hatchway.itests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The TCP sockets a process listens on, as {@code ss -ltnp} shows them, read from {@code /proc}:
 * the socket inodes among {@code /proc/<pid>/fd}, looked up in {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6} (state {@code 0A}, LISTEN).
 */
final class ListeningSockets {
    private static final String LISTEN = "0A";

    private ListeningSockets() {
    }

    /** {@code address:port} of each TCP socket {@code pid} listens on, e.g. {@code 127.0.0.1:41234} or {@code [::]:8778}. */
    static List<String> of(long pid) {
        Set<String> inodes = socketInodes(pid);
        List<String> listening = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> rows;
            try {
                rows = Files.readAllLines(Path.of(table));
            } catch (IOException e) { // no IPv6 here
                continue;
            }
            for (String row : rows.subList(1, rows.size())) {
                String[] fields = row.trim().split("\\s+");
                if (fields[3].equals(LISTEN) && inodes.contains(fields[9])) {
                    listening.add(address(fields[1]));
                }
            }
        }
        listening.sort(null);
        return listening;
    }

    private static Set<String> socketInodes(long pid) {
        Set<String> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (IOException e) { // closed meanwhile
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return inodes;
    }

    // "0100007F:A46A" (IPv4) or 32 hex digits (IPv6), each 32-bit word in host (little-endian) order
    private static String address(String hexAddressAndPort) {
        int colon = hexAddressAndPort.indexOf(':');
        String hex = hexAddressAndPort.substring(0, colon);
        int port = Integer.parseInt(hexAddressAndPort.substring(colon + 1), 16);
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int i = 0; i < 4; i++) {
                int at = word * 8 + (3 - i) * 2;
                bytes[word * 4 + i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        try {
            InetAddress address = InetAddress.getByAddress(bytes); // an IPv4-mapped IPv6 address comes back as IPv4
            return (address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress())
                    + ":" + port;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
