package io.hatchway.jolokia;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jolokia.json.JSONArray;
import org.jolokia.json.JSONObject;
import org.jolokia.json.JSONStructure;

/**
 * What a client reads in an answer, made to follow SPEC.md ("Errors") whoever wrote it: Jolokia
 * writes an error as {@code "<exception class> : <message>"} and its own failures (an MBean not
 * found, a wrong number of arguments, bad JSON) with no kind at all. Here every {@code error} starts
 * with its kind and names no Java class, and no answer carries the {@code request} it answers (Jolokia
 * echoes it back on request: an answer would grow with its request). Stateless.
 */
final class ErrorAnswers {
    /** The kinds of SPEC.md: every error message starts with one of them and a colon. */
    enum Kind {
        NotFound, AlreadyExists, FailedPrecondition, InvalidArgument, NotImplemented, Unavailable,
        DeadlineExceeded, PermissionDenied, ResourceExhausted;

        /** The java.* type a client sees beside a message of this kind: a hint only (README "MBeans"). */
        String type() {
            return switch (this) {
                case NotFound -> "java.util.NoSuchElementException";
                case InvalidArgument -> "java.lang.IllegalArgumentException";
                case NotImplemented -> "java.lang.UnsupportedOperationException";
                case PermissionDenied -> "java.lang.SecurityException";
                default -> "java.lang.IllegalStateException";
            };
        }
    }

    private static final List<String> KIND_PREFIXES = Arrays.stream(Kind.values()).map(kind -> kind + ":").toList();
    // "java.lang.IllegalStateException : " (Jolokia's form) or "javax.management.X: " leading a message
    private static final Pattern CLASS_NAME = Pattern.compile(
            "^(?:[a-z_][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error|Throwable)\\s*(?::\\s*|$)");
    // Jolokia refuses an argument it cannot convert with "Can't process " and the request's toString()
    // ("JolokiaExecRequest[operation=x, arguments=[...], ...]"): a class name and an echo of the request.
    private static final Pattern UNCONVERTED = Pattern.compile("Can't process \\w+Request\\[.*?operation=([^,\\]]*).*$");

    private ErrorAnswers() {
    }

    /** An error answer of our own, in Jolokia's shape: {@code status}, {@code error}, {@code error_type}. */
    static JSONObject error(int status, Kind kind, String message) {
        JSONObject answer = new JSONObject();
        answer.put("status", status);
        answer.put("error", kind + ": " + message);
        answer.put("error_type", kind.type());
        return answer;
    }

    /**
     * Tidies {@code answer} (one answer, or a bulk request's array of them) in place: drops each one's
     * {@code request}, and gives each {@code error} its kind, without leading exception class names
     * (Jolokia writes the class name alone for an exception without message). A message without a
     * kind gets one from its exception type or Jolokia status ({@code NoSuchMethodException},
     * {@code InstanceNotFoundException}, {@code AttributeNotFoundException}, 404: NotFound;
     * {@code IllegalArgumentException}, 400: InvalidArgument; {@code SecurityException}, 403:
     * PermissionDenied; {@code UnsupportedOperationException}: NotImplemented; else Unavailable). The
     * status then follows the kind (NotFound 404, InvalidArgument 400, PermissionDenied 403, the rest as
     * Jolokia said), and an {@code error_type} outside {@code java.*} and {@code javax.*} becomes the
     * kind's hint type.
     */
    static void tidy(JSONStructure answer) {
        if (answer instanceof JSONArray bulk) {
            bulk.forEach(one -> {
                if (one instanceof JSONObject object) {
                    tidyOne(object);
                }
            });
        } else if (answer instanceof JSONObject object) {
            tidyOne(object);
        }
    }

    /** {@code message} without leading exception class names, with a kind: {@code fallback} when it has none. */
    static String withKind(String message, Kind fallback) {
        String text = withoutClassNames(message);
        if (KIND_PREFIXES.stream().anyMatch(text::startsWith)) {
            return text;
        }
        if (text.isEmpty()) {
            text = "the request failed in Hatchway's Jolokia server (details in hatchway.log)";
        }
        return fallback + ": " + text;
    }

    /** {@code message} (null: "") without the exception class names that lead it. */
    static String withoutClassNames(String message) {
        String text = message == null ? "" : message.strip();
        for (var matcher = CLASS_NAME.matcher(text); matcher.find(); matcher = CLASS_NAME.matcher(text)) {
            text = text.substring(matcher.end()).strip();
        }
        return text;
    }

    private static void tidyOne(JSONObject answer) {
        answer.remove("request");
        Object error = answer.get("error");
        if (error == null) {
            return;
        }
        Object type = answer.get("error_type");
        String text = String.valueOf(error);
        if ("java.lang.NoSuchMethodException".equals(type) && !withoutClassNames(text).isEmpty()) {
            text = "operation '" + withoutClassNames(text) + "' not found";
        }
        String message = withoutRequestEcho(withKind(text, kindOf(answer.get("status"), type)));
        Kind kind = Kind.valueOf(message.substring(0, message.indexOf(':')));
        answer.put("error", message);
        switch (kind) {
            case NotFound -> answer.put("status", 404);
            case InvalidArgument -> answer.put("status", 400);
            case PermissionDenied -> answer.put("status", 403);
            default -> { }
        }
        if (!(type instanceof String name) || !(name.startsWith("java.") || name.startsWith("javax."))) {
            answer.put("error_type", kind.type());
        }
    }

    /** {@code message} with Jolokia's echo of a request whose arguments it could not convert put in words. */
    private static String withoutRequestEcho(String message) {
        Matcher echo = UNCONVERTED.matcher(message);
        return echo.find() ? message.substring(0, echo.start()) + "operation '" + echo.group(1)
                + "': an argument is not of its parameter's type" : message;
    }

    private static Kind kindOf(Object status, Object type) {
        String name = String.valueOf(type);
        if (name.endsWith(".NoSuchMethodException") || name.endsWith(".InstanceNotFoundException")
                || name.endsWith(".AttributeNotFoundException") || name.endsWith(".NoSuchElementException")) {
            return Kind.NotFound;
        }
        switch (name) {
            case "java.lang.IllegalArgumentException":
                return Kind.InvalidArgument;
            case "java.lang.SecurityException":
                return Kind.PermissionDenied;
            case "java.lang.UnsupportedOperationException":
                return Kind.NotImplemented;
            default:
                break;
        }
        int code = status instanceof Number number ? number.intValue() : 500;
        return switch (code) {
            case 400 -> Kind.InvalidArgument;
            case 403 -> Kind.PermissionDenied;
            case 404 -> Kind.NotFound;
            default -> Kind.Unavailable;
        };
    }
}
