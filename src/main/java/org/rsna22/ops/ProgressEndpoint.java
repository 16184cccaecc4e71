package org.rsna22.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/progress}: the running and recent executions with steps and partitions, items done and
 * expected, rate, ETA and details. Open without credentials, so job parameters (paths) are left out.
 */
@Component
@Endpoint(id = "progress")
public class ProgressEndpoint {

    private final JobProgressService progress;

    public ProgressEndpoint(JobProgressService progress) {
        this.progress = progress;
    }

    @ReadOperation
    public Map<String, Object> progress() {
        List<Map<String, Object>> executions = new ArrayList<>();
        for (JobProgressService.ExecutionProgress e : progress.recent(null, 10)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("executionId", e.executionId());
            m.put("job", e.job());
            m.put("status", e.status());
            m.put("start", e.start());
            m.put("end", e.end());
            m.put("seconds", e.seconds());
            m.put("steps", e.steps());
            executions.add(m);
        }
        return Map.of("executions", executions);
    }
}
