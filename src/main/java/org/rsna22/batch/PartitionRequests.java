package org.rsna22.batch;

import java.nio.charset.StandardCharsets;
import org.springframework.batch.integration.partition.StepExecutionRequest;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The wire form of a partition request: Spring Batch's {@link StepExecutionRequest} as a small JSON object
 * ({@code {"stepName":"inferBboxPartition","stepExecutionId":42}}), never Java serialization, so that a worker
 * reads nothing but two fields from the broker.
 */
public final class PartitionRequests {

    /** The content type of a request message. */
    public static final String CONTENT_TYPE = "application/json";

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final int MAX_BYTES = 4096;

    private PartitionRequests() {
    }

    public static byte[] toJson(StepExecutionRequest request) {
        return JSON.createObjectNode().put("stepName", request.getStepName())
                .put("stepExecutionId", request.getStepExecutionId())
                .toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The request in {@code body}; IllegalArgumentException saying why when it is not one. */
    public static StepExecutionRequest parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw new IllegalArgumentException("an empty message is not a partition request");
        }
        if (body.length > MAX_BYTES) {
            throw new IllegalArgumentException("a message of " + body.length + " bytes is not a partition request");
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not a partition request (not JSON): " + preview(body));
        }
        JsonNode name = node == null ? null : node.get("stepName");
        JsonNode id = node == null ? null : node.get("stepExecutionId");
        if (name == null || !name.isString() || name.asString().isBlank() || id == null || !id.canConvertToLong()
                || id.asLong() <= 0) {
            throw new IllegalArgumentException("not a partition request (stepName and a positive stepExecutionId "
                    + "expected): " + preview(body));
        }
        return new StepExecutionRequest(name.asString(), id.asLong());
    }

    private static String preview(byte[] body) {
        String s = new String(body, 0, Math.min(body.length, 80), StandardCharsets.UTF_8)
                .replaceAll("[\\p{Cntrl}&&[^\\n\\t]]", "?").replace('\n', ' ');
        return "'" + s + (body.length > 80 ? "…" : "") + "'";
    }
}
