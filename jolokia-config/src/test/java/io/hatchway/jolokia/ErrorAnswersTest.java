package io.hatchway.jolokia;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.jolokia.json.JSONArray;
import org.jolokia.json.JSONObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How Jolokia's error objects are tidied: the kind first, no class names, the status following the kind. */
class ErrorAnswersTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            500 | java.lang.StackOverflowError            | java.lang.StackOverflowError                   | 500 | Unavailable: the request failed in Hatchway's Jolokia server (details in hatchway.log)
            500 | java.lang.IllegalStateException         | NotFound: exec 'x' in task: 't' not found      | 404 | NotFound: exec 'x' in task: 't' not found
            500 | java.lang.IllegalStateException         | java.lang.IllegalStateException : boom         | 500 | Unavailable: boom
            404 | javax.management.InstanceNotFoundException | javax.management.InstanceNotFoundException: hatchway:type=Task,name=x | 404 | NotFound: hatchway:type=Task,name=x
            500 | java.lang.NoSuchMethodException         | nosuch                                         | 404 | NotFound: operation 'nosuch' not found
            500 | java.lang.IllegalArgumentException      | Invalid number of operation arguments          | 400 | InvalidArgument: Invalid number of operation arguments
            500 | java.lang.SecurityException             | PermissionDenied: refused                      | 403 | PermissionDenied: refused
            500 | java.lang.UnsupportedOperationException | java.lang.UnsupportedOperationException        | 500 | NotImplemented: the request failed in Hatchway's Jolokia server (details in hatchway.log)
            400 | org.jolokia.server.core.request.BadRequestException | bad                                | 400 | InvalidArgument: bad
            400 | org.jolokia.server.core.request.BadRequestException | InvalidArgument: Can't process JolokiaExecRequest[operation=killExec, arguments=["","nine",false], objectName = hatchway:name=t1,type=Task] | 400 | InvalidArgument: operation 'killExec': an argument is not of its parameter's type
            """)
    void errorsGetTheirKindAndLoseClassNames(int status, String type, String error, int tidiedStatus, String tidied) {
        JSONObject answer = new JSONObject();
        answer.put("status", status);
        answer.put("error_type", type);
        answer.put("error", error);
        answer.put("request", "{\"type\":\"read\"}");
        JSONArray bulk = new JSONArray();
        bulk.add(answer);

        ErrorAnswers.tidy(bulk);

        assertEquals(tidied, answer.get("error"));
        assertEquals(tidiedStatus, answer.get("status"));
        assertFalse(answer.containsKey("request"));
        assertEquals(type.startsWith("java") ? type : "java.lang.IllegalArgumentException", answer.get("error_type"));
    }
}
