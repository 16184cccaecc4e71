package org.rsna22.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.batch.integration.partition.StepExecutionRequest;

/** The wire form of a partition request, and what a worker refuses before touching the job repository. */
class PartitionRequestsTest {

    @Test
    void aRequestRoundTripsAsTwoJsonFields() {
        byte[] json = PartitionRequests.toJson(new StepExecutionRequest("inferBboxPartition", 42L));
        assertThat(new String(json, StandardCharsets.UTF_8))
                .isEqualTo("{\"stepName\":\"inferBboxPartition\",\"stepExecutionId\":42}");
        StepExecutionRequest back = PartitionRequests.parse(json);
        assertThat(back.getStepName()).isEqualTo("inferBboxPartition");
        assertThat(back.getStepExecutionId()).isEqualTo(42L);
    }

    @Test
    void garbageIsRefusedWithItsFirstBytes() {
        assertThatThrownBy(() -> PartitionRequests.parse(new byte[] {(byte) 0xac, (byte) 0xed, 0, 5, 's', 'r'}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> PartitionRequests.parse(new byte[0])).hasMessageContaining("empty");
        assertThatThrownBy(() -> PartitionRequests.parse(new byte[5000])).hasMessageContaining("5000 bytes");
        for (String bad : new String[] {"[1,2]", "{\"stepName\":\"x\"}", "{\"stepName\":\"\",\"stepExecutionId\":3}",
            "{\"stepName\":\"x\",\"stepExecutionId\":-1}", "{\"stepName\":7,\"stepExecutionId\":3}",
            "{\"stepName\":\"x\",\"stepExecutionId\":\"3\"}", "null", "42"}) {
            assertThatThrownBy(() -> PartitionRequests.parse(bad.getBytes(StandardCharsets.UTF_8))).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a partition request");
        }
    }
}
