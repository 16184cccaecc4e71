package org.rsna22.batch;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.rsna22.model.DevicePool;
import org.rsna22.model.Engines;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The pool of devices that partitions running a network take one each of ({@code rsna22.devices}: auto, cpu or GPU
 * ids); with GPUs, a gauge of each one's memory in use.
 */
@Configuration
public class DevicesConfiguration {

    @Bean
    public DevicePool devicePool(@Value("${rsna22.devices:auto}") String devices, MeterRegistry meters) {
        return DevicePool.of(devices, Engines::gpuCount).onResolved(slots -> slots.stream()
                .filter(s -> s.device().isGpu())
                .forEach(s -> Gauge.builder("rsna22.device.memory.used", () -> Engines.memoryInUse(s.device()))
                        .baseUnit("bytes").tag("device", s.name())
                        .description("memory in use on the device (every process's)").register(meters)));
    }
}
