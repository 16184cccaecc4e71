package org.rsna22.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.batch.JobRunner;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.io.Sha256;
import org.rsna22.model.DevicePool;
import org.rsna22.ops.JobProgressService;
import org.rsna22.testsupport.JobTestSupport;
import org.rsna22.training.TrainRun;
import org.rsna22.training.TrainRunTasklet;
import org.rsna22.training.TrainingListener;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;

/**
 * One device per running partition, with two stand-in GPUs (their arrays on the CPU): four training runs with
 * parallel_runs auto train two at a time, never two on one device; a run that fails gives its device back and its
 * restart takes a free one and ends with the weights of an uninterrupted run; status names each run's device.
 */
@SpringBootTest(properties = "spring.datasource.url=jdbc:h2:mem:devices;DB_CLOSE_DELAY=-1")
@Import(DevicesJobTest.StandIns.class)
class DevicesJobTest {

    static final String CONFIG = Path.of("src/test/resources/devices-test.yaml").toAbsolutePath().toString();

    @TestConfiguration
    static class StandIns {
        static final AtomicBoolean FAIL = new AtomicBoolean();

        @Bean
        @Primary
        DevicePool standInDevices() {
            return DevicePool.standIns("gpu0", "gpu1");
        }

        /** Fails fold1-seed1 once, at the start of its second epoch. */
        @Bean
        TrainingListener failingRun() {
            return new TrainingListener() {
                @Override
                public void onEpochStart(TrainRun run, int epoch) {
                    if (epoch == 1 && run.name().equals("fold1-seed1") && FAIL.compareAndSet(true, false)) {
                        throw new IllegalStateException("injected failure in the second epoch of " + run.name());
                    }
                }
            };
        }
    }

    @TempDir
    static Path tmp;
    static Path data;

    @Autowired
    JobRunner runner;

    @Autowired
    JobRepository repository;

    @Autowired
    DevicePool devices;

    @Autowired
    JobProgressService progress;

    @BeforeAll
    static void dataset() throws Exception {
        data = tmp.resolve("data");
        new DemoDatasetGenerator(new DemoDatasetGenerator.Options(6, 32, 3, 24, 2, true)).generate(data, null);
    }

    private record Held(String partition, String device, LocalDateTime start, LocalDateTime end) {
    }

    @Test
    void runsTakeOneDeviceEachAndARestartedRunTakesAnyFreeOneToTheSameWeights() throws Exception {
        Path reference = tmp.resolve("reference");
        assertThat(JobTestSupport.run(runner, "prepare", data, reference, CONFIG).getStatus())
                .isEqualTo(BatchStatus.COMPLETED);
        JobExecution all = JobTestSupport.run(runner, "train-bbox", data, reference, CONFIG);
        assertThat(all.getStatus()).as(runner.failureReason(all)).isEqualTo(BatchStatus.COMPLETED);
        List<Held> held = held(all);
        assertThat(held).hasSize(4);
        assertThat(held).extracting(Held::device).allMatch(d -> d.equals("gpu0") || d.equals("gpu1"));
        for (Held a : held) {
            for (Held b : held) {
                assertThat(a == b || !overlap(a, b) || !a.device().equals(b.device()))
                        .as(a + " and " + b + " at once on one device").isTrue();
            }
        }
        // the most runs at once: at every start, the runs started but not yet ended
        int most = 0;
        for (Held a : held) {
            int running = 0;
            for (Held b : held) {
                running += !b.start().isAfter(a.start()) && b.end().isAfter(a.start()) ? 1 : 0;
            }
            most = Math.max(most, running);
        }
        assertThat(most).as("runs at once with parallel_runs auto and two devices").isEqualTo(2);
        assertThat(devices.available()).isEqualTo(2);

        // status names each run's device
        StringWriter status = new StringWriter();
        StatusCommand.print(progress.of(all), null, new PrintWriter(status));
        assertThat(status.toString()).containsPattern("devices: fold0-seed0 gpu[01], fold0-seed1 gpu[01]");

        Path work = tmp.resolve("failed");
        assertThat(JobTestSupport.run(runner, "prepare", data, work, CONFIG).getStatus())
                .isEqualTo(BatchStatus.COMPLETED);
        StandIns.FAIL.set(true);
        JobExecution failed = JobTestSupport.run(runner, "train-bbox", data, work, CONFIG);
        assertThat(failed.getStatus()).isEqualTo(BatchStatus.FAILED);
        assertThat(devices.available()).as("the failed run gave its device back").isEqualTo(2);
        JobExecution resumed = JobTestSupport.run(runner, "train-bbox", data, work, CONFIG);
        assertThat(resumed.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        List<Held> again = held(resumed);
        assertThat(again).extracting(Held::partition).containsExactly("trainBboxPartition:fold1-seed1");
        assertThat(again.get(0).device()).isIn("gpu0", "gpu1");
        for (int fold : new int[] {0, 1}) {
            for (int seed : new int[] {0, 1}) {
                Path a = TrainRun.of(reference, "devices-test", fold, seed).model().resolve("bbox-0000.params");
                Path b = TrainRun.of(work, "devices-test", fold, seed).model().resolve("bbox-0000.params");
                assertThat(Sha256.of(b)).as("fold%d-seed%d", fold, seed).isEqualTo(Sha256.of(a));
            }
        }
        assertThat(devices.available()).isEqualTo(2);
    }

    private List<Held> held(JobExecution e) {
        List<Held> out = new ArrayList<>();
        for (StepExecution s : e.getStepExecutions()) {
            if (!s.getStepName().startsWith("trainBboxPartition:")) {
                continue;
            }
            StepExecution saved = repository.getStepExecution(e.getId(), s.getId());
            String device = saved.getExecutionContext().getString(JobProgressService.DETAIL_PREFIX
                    + TrainRunTasklet.DEVICE, null);
            out.add(new Held(s.getStepName(), device, saved.getStartTime(), saved.getEndTime()));
        }
        out.sort((a, b) -> a.partition().compareTo(b.partition()));
        return out;
    }

    private static boolean overlap(Held a, Held b) {
        return a.start().isBefore(b.end()) && b.start().isBefore(a.end());
    }
}
