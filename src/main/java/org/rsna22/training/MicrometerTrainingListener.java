package org.rsna22.training;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.stereotype.Component;

/** Training gauges per run: rsna22.training.loss, .epoch, .images.per.second (tag run=fold2-seed1). */
@Component
public class MicrometerTrainingListener implements TrainingListener {

    private final MeterRegistry registry;
    private final Map<String, double[]> values = new ConcurrentHashMap<>();

    public MicrometerTrainingListener(MeterRegistry registry) {
        this.registry = registry;
    }

    private double[] of(TrainRun run) {
        return values.computeIfAbsent(run.name(), name -> {
            double[] v = new double[3];
            AtomicReference<double[]> ref = new AtomicReference<>(v);
            Gauge.builder("rsna22.training.loss", ref, r -> r.get()[0]).tag("run", name).register(registry);
            Gauge.builder("rsna22.training.epoch", ref, r -> r.get()[1]).tag("run", name).register(registry);
            Gauge.builder("rsna22.training.images.per.second", ref, r -> r.get()[2]).tag("run", name).register(registry);
            return v;
        });
    }

    @Override
    public void onEpochStart(TrainRun run, int epoch) {
        of(run)[1] = epoch;
    }

    @Override
    public void onBatch(TrainRun run, int epoch, int batch, int batches, double loss, double imagesPerSecond) {
        double[] v = of(run);
        v[0] = loss;
        v[2] = imagesPerSecond;
    }
}
