package org.rsna22.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.rsna22.config.ConfigLoader;

/** bench bbox says which device it measured: here, without a GPU, the CPU. */
class BboxBenchmarkTest {

    @Test
    void theBenchmarkNamesTheDeviceItRanOn() throws Exception {
        StringWriter out = new StringWriter();
        BboxBenchmark.run(ConfigLoader.load("demo").bbox(), 32, 2, 0.3, new PrintWriter(out));
        assertThat(out.toString()).startsWith("device: cpu\n");
    }
}
